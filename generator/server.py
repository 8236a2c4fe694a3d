"""The one-process portal of `kb serve`: the built site at ``/`` and the API under ``/api/``."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, abort, jsonify, redirect, request, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

import feedback_api
import search_api
from kbcore.config import Settings
from kbcore.web import (
    HEALTH_PATHS,
    add_health,
    openapi_document,
    register_error_handlers,
    trust_proxies,
)

__all__ = ["create_portal_app"]


def _site_response(site_dir: Path, path: str) -> Response:
    """Serve ``path`` from the built site: folders by their index.html, misses by 404.html."""
    full = safe_join(str(site_dir), path) if path else str(site_dir)
    if full is None:
        abort(404)
    target = Path(full)
    if target.is_dir():
        if path and not path.endswith("/"):
            query = request.query_string.decode("latin-1")
            return redirect("/" + path + "/" + (f"?{query}" if query else ""), 308)  # type: ignore[return-value]
        path = (path + "index.html") if path else "index.html"
    response = send_from_directory(site_dir, path, max_age=0 if path.endswith(".html") else 3600)
    return response


def create_portal_app(settings: Settings) -> Flask:
    """Create the portal: static site plus API, configured by ``settings``."""
    app = Flask("kb_portal", static_folder=None)
    app.config["KB_SETTINGS"] = settings
    site_dir = settings.site_dir.resolve()
    register_error_handlers(app, api_prefix="/api/")
    trust_proxies(app, settings.proxy_hops)
    search_api.init_app(app, settings)
    feedback_api.init_app(app, settings)

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
        try:
            return _site_response(site_dir, path)
        except NotFound:
            page = site_dir / "404.html"
            if page.is_file():
                return Response(page.read_bytes(), 404, content_type="text/html; charset=utf-8")
            raise

    return app
