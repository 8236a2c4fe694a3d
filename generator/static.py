"""Serve a built site's files: folders by their index.html, misses by the site's 404 page."""

from __future__ import annotations

from pathlib import Path

from flask import Response, redirect, request, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

__all__ = ["site_response"]


def site_response(site_dir: Path, path: str, prefix: str = "/") -> Response:
    """Answer ``path`` of the site in ``site_dir``, mounted at URL ``prefix``."""
    full = safe_join(str(site_dir), path) if path else str(site_dir)
    target = Path(full) if full is not None else None
    if target is not None and target.is_dir():
        if not request.path.endswith("/"):
            query = request.query_string.decode("latin-1")
            return redirect(prefix + path + "/" + (f"?{query}" if query else ""), 308)  # type: ignore[return-value]
        path = (path.rstrip("/") + "/index.html") if path else "index.html"
    try:
        if target is None:
            raise NotFound()
        return send_from_directory(site_dir, path, max_age=0 if path.endswith(".html") else 3600)
    except NotFound:
        page = site_dir / "404.html"
        if page.is_file():
            return Response(page.read_bytes(), 404, content_type="text/html; charset=utf-8")
        raise
