"""Flask helpers shared by both services and the portal: one JSON error shape for every endpoint.

Every error body is ``{"error": {"code": "<snake_case>", "message": "<human>", "request_id": …}}``.
This is the only module of :mod:`kbcore` that imports Flask.
"""

from __future__ import annotations

import hmac
import logging
import time
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from kbcore.config import Settings
from kbcore.logs import setup_logging
from kbcore.manifest import ManifestError, read_manifest
from kbcore.sessions import AGENT_COOKIE, CSRF_HEADER, Agent, AgentAuth
from kbcore.storage import Storage, open_storage, secret_of

__all__ = [
    "HEALTH_PATHS",
    "ApiError",
    "add_health",
    "agent_auth_of",
    "current_agent",
    "error_response",
    "harden",
    "openapi_document",
    "register_error_handlers",
    "request_id",
    "service_app",
    "storage_of",
    "trust_proxies",
]


class ApiError(Exception):
    """An error a view reports to the client, with a stable ``code`` and an HTTP status."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "bad_request",
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.headers = headers or {}


def request_id() -> str:
    """Return the id of the current request (from ``X-Request-Id`` or a fresh UUID)."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if 0 < len(given) <= 64 and given.isprintable() else str(uuid.uuid4())
    return str(g.request_id)


def error_response(
    code: str, message: str, status: int, headers: dict[str, str] | None = None
) -> Response:
    """Build the one JSON error body every endpoint uses."""
    response = jsonify({"error": {"code": code, "message": message, "request_id": request_id()}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def agent_auth_of(app: Flask, settings: Settings) -> AgentAuth:
    """Return the app's agent authentication, made on first use from ``settings``."""
    if "kb_agent_auth" not in app.extensions:
        app.extensions["kb_agent_auth"] = AgentAuth(
            settings.agent_tokens,
            settings.agent_password,
            secret_of(settings),
            settings.agent_session_hours * 3600,
        )
    auth: AgentAuth = app.extensions["kb_agent_auth"]
    return auth


_UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="kb"'}


def current_agent(*, required: bool, csrf: bool = True) -> Agent | None:
    """Return the request's agent: from a bearer token, else from the session cookie.

    The app must have called :func:`agent_auth_of` at set-up.

    A bearer token that is present but wrong is always refused (401), never a silent customer
    view. A change (any method but GET/HEAD/OPTIONS) made with the session cookie must repeat the
    session's CSRF token in the ``X-CSRF-Token`` header, else 403; ``csrf=False`` is for events
    that only record what the reader did (a click), sent by ``sendBeacon``, which sets no header.
    """
    auth: AgentAuth = current_app.extensions["kb_agent_auth"]
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        agent = auth.bearer(token.strip()) if scheme.lower() == "bearer" else None
        if agent is None:
            raise ApiError(
                "Authorization: expected a valid agent token (Bearer …)",
                code="unauthorized",
                status=401,
                headers=_UNAUTHORIZED,
            )
        return agent
    cookie = request.cookies.get(AGENT_COOKIE)
    agent = auth.session(cookie) if cookie else None
    if agent is None:
        if required:
            raise ApiError(
                "Authorization: expected an agent token (Bearer …) or an agent login",
                code="unauthorized",
                status=401,
                headers=_UNAUTHORIZED,
            )
        return None
    if csrf and request.method not in ("GET", "HEAD", "OPTIONS"):
        given = request.headers.get(CSRF_HEADER, "")
        if not (agent.csrf and hmac.compare_digest(given.encode(), agent.csrf.encode())):
            raise ApiError(
                f"{CSRF_HEADER}: expected the CSRF token of the agent's session, "
                + ("found a different one" if given else "found none"),
                code="csrf_failed",
                status=403,
            )
    return agent


def add_health(app: Flask, data_dir: Path) -> None:
    """Add ``GET /api/health``: 200 once a build's manifest is there to serve, else 503."""

    @app.get("/api/health")
    def health() -> Response:
        """Report whether a built manifest is there to serve."""
        try:
            manifest = read_manifest(data_dir)
        except ManifestError as exc:
            return error_response("not_built", str(exc), 503)
        return jsonify(
            {
                "status": "ok",
                "articles": len(manifest.articles),
                "built_at": manifest.built_at.isoformat(),
            }
        )


HEALTH_PATHS: dict[str, Any] = {
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


def service_app(
    name: str, title: str, settings: Settings, paths: dict[str, Any], schemas: dict[str, Any]
) -> Flask:
    """A stand-alone service's app: error shape, proxies, ``/api/health`` and its OpenAPI."""
    app = Flask(name)
    register_error_handlers(app)
    trust_proxies(app, settings.proxy_hops)
    harden(app, settings)
    add_health(app, settings.data_dir)

    @app.get("/api/openapi.json")
    def openapi() -> Response:
        """Describe this service's endpoints."""
        return jsonify(openapi_document(title, {**HEALTH_PATHS, **paths}, schemas))

    return app


def storage_of(app: Flask, settings: Settings) -> Storage:
    """Return the app's storage, opening it on first use (both services share one)."""
    if "kb_storage" not in app.extensions:
        app.extensions["kb_storage"] = open_storage(settings)
    storage: Storage = app.extensions["kb_storage"]
    return storage


def trust_proxies(app: Flask, hops: int) -> None:
    """Read the client address from ``X-Forwarded-For`` set by ``hops`` trusted proxies."""
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def register_error_handlers(app: Flask, *, api_prefix: str = "/") -> None:
    """Answer every API error, expected or not, with the JSON error body (never a traceback).

    Requests outside ``api_prefix`` (the portal's static pages) get a short plain-text error.
    """

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.code, exc.message, exc.status, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        if not request.path.startswith(api_prefix):
            return Response(f"{status} {exc.name}\n", status, content_type="text/plain")
        return error_response(
            _HTTP_CODES.get(status, "http_error"), exc.description or exc.name, status
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logging.getLogger("kb.http").exception(
            "unhandled error in %s %s [%s]",
            request.method,
            request.path[:200],
            request_id(),
            extra={"request_id": request_id()},
        )
        return error_response("internal_error", "The server failed to answer; try again.", 500)


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "request_id"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "request_id": {"type": "string"},
            },
        }
    },
}


def openapi_document(title: str, paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """Assemble an OpenAPI 3.1 document from the services' paths and schemas."""
    from kbcore import __version__

    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": __version__},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA, **schemas},
            "securitySchemes": {
                "agentToken": {"type": "http", "scheme": "bearer"},
                "agentSession": {"type": "apiKey", "in": "cookie", "name": AGENT_COOKIE},
            },
        },
    }


_API_CSP = "default-src 'none'; frame-ancestors 'none'"
_PAGE_CSP = "frame-ancestors 'self'; object-src 'none'; base-uri 'self'"
_CORS_METHODS = "GET, POST"
_access_log = logging.getLogger("kb.access")


def harden(app: Flask, settings: Settings, *, api_prefix: str = "/api/") -> None:
    """Security headers, CORS for ``cors_origins`` only, request ids and one log line a request.

    Every response gets ``X-Content-Type-Options: nosniff`` and its ``X-Request-Id``; API
    responses also ``Cache-Control: no-store`` (unless set), a CSP that forbids framing and
    loading anything, and ``Referrer-Policy: no-referrer``; pages may be framed by the site
    itself only. ``Strict-Transport-Security`` is sent over HTTPS. A browser on another site gets
    CORS headers only if its origin is configured, never ``*`` and never with credentials.
    """
    setup_logging(settings.log_format)
    origins = frozenset(settings.cors_origins)

    def is_api() -> bool:
        return request.path.startswith(api_prefix)

    @app.before_request
    def _start() -> Response | None:
        g.kb_started = time.perf_counter()
        request_id()
        if (
            is_api()
            and request.method == "OPTIONS"
            and "Access-Control-Request-Method" in request.headers
        ):
            return Response(status=204)  # a preflight: the headers come in _finish
        return None

    @app.after_request
    def _finish(response: Response) -> Response:
        headers = response.headers
        headers["X-Request-Id"] = request_id()
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if is_api():
            headers.setdefault("Cache-Control", "no-store")
            headers.setdefault("Content-Security-Policy", _API_CSP)
            headers.setdefault("Referrer-Policy", "no-referrer")
            origin = request.headers.get("Origin")
            if origin in origins:
                headers["Access-Control-Allow-Origin"] = origin
                headers["Access-Control-Allow-Methods"] = _CORS_METHODS
                headers["Access-Control-Allow-Headers"] = "Content-Type"
                headers["Access-Control-Expose-Headers"] = "Retry-After, X-Request-Id"
                headers["Access-Control-Max-Age"] = "600"
            if origins:
                headers.add("Vary", "Origin")
        else:
            headers.setdefault("Content-Security-Policy", _PAGE_CSP)
            headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        started = g.get("kb_started")
        took = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        # The path only: queries hold what customers typed (stored redacted, never logged raw).
        _access_log.info(
            "%s %s %s %.1f ms [%s]",
            request.method,
            request.path[:200],
            response.status_code,
            took,
            request_id(),
            extra={
                "request_id": request_id(),
                "method": request.method,
                "path": request.path[:200],
                "status": response.status_code,
                "ms": round(took, 1),
            },
        )
        return response
