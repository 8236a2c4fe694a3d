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
        return _send(site_dir, path)
    except NotFound:
        try:
            page = (site_dir / "404.html").read_bytes()
        except OSError:
            raise NotFound() from None
        return Response(page, 404, content_type="text/html; charset=utf-8")


def _send(site_dir: Path, path: str) -> Response:
    """Send the file, or raise NotFound, also when it was there a moment ago: a build swapped
    in a site without it between werkzeug's look and its opening of the file."""
    try:
        return send_from_directory(site_dir, path, max_age=0 if path.endswith(".html") else 3600)
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound() from None
