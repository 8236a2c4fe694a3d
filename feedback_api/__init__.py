"""The feedback service: ratings of articles and clicks on search results."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from feedback_api.catalog import Catalog
from feedback_api.openapi import PATHS, SCHEMAS
from feedback_api.views import bp
from kbcore.config import Settings, load_settings
from kbcore.web import agent_auth_of, service_app, storage_of

__all__ = ["PATHS", "SCHEMAS", "create_app", "init_app"]


def init_app(app: Flask, settings: Settings) -> None:
    """Mount the feedback endpoints on ``app`` (the portal, or this service's own app)."""
    storage_of(app, settings)
    app.extensions["kb_catalog"] = Catalog(settings.data_dir)
    agent_auth_of(app, settings)
    app.register_blueprint(bp)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the feedback service on its own, e.g. ``gunicorn 'feedback_api:create_app()'``.

    The database must be at this version's schema (``kb db upgrade``): a worker refuses to start
    otherwise, with a message that says so.
    """
    settings = load_settings(config)
    app = service_app(__name__, "kb-portal feedback", settings, PATHS, SCHEMAS)
    init_app(app, settings)
    store = storage_of(app, settings).store
    try:
        store.check_schema()
    except Exception:
        store.dispose()  # the worker stops: leave no connection behind
        raise
    return app
