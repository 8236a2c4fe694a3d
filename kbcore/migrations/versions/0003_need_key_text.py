"""Backlog need keys of any length (a pasted message makes a long key).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("backlog_items") as batch:
        batch.alter_column("need_key", type_=sa.Text, existing_nullable=False)
