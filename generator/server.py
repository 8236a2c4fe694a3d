"""The one-process portal of `kb serve`: the public site at ``/``, the agents' site at
``/internal/`` (behind a login) and the API under ``/api/``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, abort, jsonify

import feedback_api
import search_api
from generator.agent_portal import init_agent_portal
from generator.preview import Preview
from generator.static import site_response
from kbcore.config import Settings, load_settings
from kbcore.web import (
    HEALTH_PATHS,
    add_health,
    harden,
    openapi_document,
    register_error_handlers,
    trust_proxies,
)

__all__ = ["create_app", "create_portal_app"]


def create_portal_app(settings: Settings, preview: Preview | None = None) -> Flask:
    """Create the portal: static sites plus API, configured by ``settings``.

    With ``preview`` (`kb serve --watch`), pages reload themselves after each rebuild.
    """
    app = Flask("kb_portal", static_folder=None)
    app.config["KB_SETTINGS"] = settings
    site_dir = settings.site_dir.resolve()
    register_error_handlers(app, api_prefix="/api/")
    trust_proxies(app, settings.proxy_hops)
    harden(app, settings)
    search_api.init_app(app, settings)
    feedback_api.init_app(app, settings)
    init_agent_portal(app, settings)
    if preview is not None:
        preview.init_app(app)

    add_health(app, settings.data_dir)

    @app.get("/api/openapi.json")
    def openapi() -> Response:
        """Describe every endpoint of the portal's API."""
        paths = {**HEALTH_PATHS, **search_api.PATHS, **feedback_api.PATHS}
        schemas = {**search_api.SCHEMAS, **feedback_api.SCHEMAS}
        return jsonify(openapi_document("kb-portal API", paths, schemas))

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def site(path: str) -> Response:
        """Serve the static portal."""
        if path == "api" or path.startswith("api/"):
            abort(404)
        return site_response(site_dir, path)

    return app


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The portal for a WSGI server, e.g. ``gunicorn -c deploy/gunicorn.conf.py``.

    Settings come from ``kb.toml`` and ``KB_*`` as for `kb serve`; run ``kb db upgrade`` first.
    """
    return create_portal_app(load_settings(config))
