"""The one-process portal of `kb serve`: the built site at ``/`` and the API under ``/api/``."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, abort, jsonify, redirect, request, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

import feedback_api
import search_api
from kbcore.config import Settings
from kbcore.manifest import ManifestError, read_manifest
from kbcore.web import error_response, openapi_document, register_error_handlers, trust_proxies

__all__ = ["create_portal_app"]

HEALTH_PATH = {
    "/api/health": {
        "get": {
            "summary": "Whether a built site and manifest are there to serve",
            "responses": {
                "200": {
                    "description": "Ready",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["status", "articles", "built_at"],
                                "properties": {
                                    "status": {"type": "string"},
                                    "articles": {"type": "integer"},
                                    "built_at": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "503": {
                    "description": "Nothing built yet",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
    }
}


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

    @app.get("/api/health")
    def health() -> Response:
        """Report whether a built site and its manifest are there to serve."""
        try:
            manifest = read_manifest(settings.data_dir)
        except ManifestError as exc:
            return error_response("not_built", str(exc), 503)
        return jsonify(
            {
                "status": "ok",
                "articles": len(manifest.articles),
                "built_at": manifest.built_at.isoformat(),
            }
        )

    @app.get("/api/openapi.json")
    def openapi() -> Response:
        """Describe every endpoint of the portal's API."""
        paths = {**HEALTH_PATH, **search_api.PATHS, **feedback_api.PATHS}
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
