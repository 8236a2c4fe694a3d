"""Ratings, search events, clicks and backlog items.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "searches",
        sa.Column("search_id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("norm", sa.Text, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("filters", sa.Text, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("top_ids", sa.Text, nullable=False),
        sa.Column("fallback", sa.String(16)),
        sa.Column("audience", sa.String(10), nullable=False),
        sa.Column("ticket_id", sa.String(80)),
    )
    op.create_index("ix_searches_created_at", "searches", ["created_at"])
    op.create_table(
        "clicks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("search_id", sa.String(32), nullable=False),
        sa.Column("article_id", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("search_id", "article_id", name="uq_clicks_search_article"),
    )
    op.create_index("ix_clicks_search_id", "clicks", ["search_id"])
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(120), nullable=False),
        sa.Column("client_token", sa.String(36), nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(20)),
        sa.Column("comment", sa.Text),
        sa.Column("search_id", sa.String(32)),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("article_id", "client_token", name="uq_ratings_article_client"),
    )
    op.create_index("ix_ratings_search_id", "ratings", ["search_id"])
    op.create_index("ix_ratings_address_created", "ratings", ["address", "created_at"])
    op.create_index("ix_ratings_client_created", "ratings", ["client_token", "created_at"])
    op.create_table(
        "backlog_items",
        sa.Column("need_key", sa.String(400), primary_key=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("article_id", sa.String(120)),
        sa.Column("proposed_article_id", sa.String(120)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
