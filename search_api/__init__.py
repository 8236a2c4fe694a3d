"""The search service: ``GET /api/search`` and ``GET /api/suggest`` over the Whoosh index."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from kbcore.config import Settings, load_settings
from kbcore.db import DatabaseError
from kbcore.web import agent_auth_of, service_app, storage_of
from search_api.openapi import PATHS, SCHEMAS
from search_api.state import SearchState
from search_api.views import bp

__all__ = ["PATHS", "SCHEMAS", "create_app", "init_app"]


def init_app(app: Flask, settings: Settings) -> None:
    """Mount the search endpoints on ``app`` (the portal, or this service's own app)."""
    app.extensions["kb_search"] = SearchState(settings)
    storage_of(app, settings)
    agent_auth_of(app, settings)
    app.register_blueprint(bp)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the search service on its own, e.g. ``gunicorn 'search_api:create_app()'``."""
    settings = load_settings(config)
    app = service_app(__name__, "kb-portal search", settings, PATHS, SCHEMAS)
    init_app(app, settings)
    # Searches never depend on the database, but their logging does: say so at start.
    try:
        storage_of(app, settings).store.check_schema()
    except (DatabaseError, SQLAlchemyError) as exc:
        app.logger.error("search events will be spooled, not stored: %s", exc)
    return app
