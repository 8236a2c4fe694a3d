"""The search endpoints: parse and validate the request, call the engine, return JSON."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from kbcore.index import IndexError_
from kbcore.search import SearchEngine, SearchRequest
from kbcore.storage import Storage
from kbcore.web import ApiError, current_agent, error_response
from search_api.state import SearchState

__all__ = ["bp"]

bp = Blueprint("search", __name__, url_prefix="/api")

MAX_QUERY_CHARS = 200
# A JSON Schema integer, as a query string writes it: digits, maybe 0-padded or with a zero
# fraction (5, 05, 5.0); more than 9 significant digits is out of range anyway.
_INTEGER = re.compile(r"0*([0-9]{1,9})(?:\.0+)?")
LANGS = ("zh-Hans", "zh-Hant", "en")
TYPES = ("troubleshooting", "howto", "faq", "known-issue")


def _state() -> SearchState:
    state: SearchState = current_app.extensions["kb_search"]
    return state


def _engine() -> SearchEngine:
    try:
        return _state().engine()
    except IndexError_ as exc:
        current_app.logger.error("search index unavailable: %s", exc)
        raise ApiError(
            "The search index is not available yet; try again shortly.",
            code="index_unavailable",
            status=503,
            headers={"Retry-After": "5"},
        ) from None


@bp.errorhandler(IndexError_)
def _damaged_index(exc: IndexError_) -> Response:
    """A search failed on damaged index files: 503, fast, the file named in the log only."""
    current_app.logger.error("search index damaged: %s", exc)
    return error_response(
        "search_unavailable",
        "Search is unavailable: the search index cannot be read. Try again shortly; if this "
        "lasts, the index must be rebuilt (`kb build`).",
        503,
        {"Retry-After": "5"},
    )


def _text(name: str, *, required: bool = False, limit: int = 80) -> str | None:
    value = request.args.get(name)
    if value is None or not value.strip():
        if required:
            raise ApiError(
                f"{name}: expected text of 1 to {limit} characters, found nothing",
                code="invalid_parameter",
            )
        return None
    if len(value) > limit:
        raise ApiError(
            f"{name}: expected at most {limit} characters, found {len(value)}",
            code="invalid_parameter",
        )
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ApiError(
            f"{name}: expected text, found a NUL or an invalid character", code="invalid_parameter"
        )
    return value.strip()


def _choice(name: str, choices: tuple[str, ...]) -> str | None:
    value = _text(name)
    if value is not None and value not in choices:
        raise ApiError(
            f"{name}: expected one of {', '.join(choices)}, found {value!r}",
            code="invalid_parameter",
        )
    return value


def _number(name: str, default: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # Match before converting: int() refuses more than 4300 digits with a ValueError.
    match = _INTEGER.fullmatch(raw)
    if match is None or not 1 <= int(match.group(1)) <= high:
        raise ApiError(
            f"{name}: expected an integer from 1 to {high}, found {raw[:20]!r}",
            code="invalid_parameter",
        )
    return int(match.group(1))


def _is_agent() -> bool:
    return current_agent(required=False) is not None


def _json(body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/search")
def search() -> Response:
    """Search the articles the caller may see.

    Every first page is logged, except type-ahead requests marked ``instant=1``.
    """
    q = _text("q", required=True, limit=MAX_QUERY_CHARS)
    assert q is not None
    instant = _choice("instant", ("0", "1")) == "1"
    ticket_id = _text("ticket_id")  # checked on every page, though only first pages log it
    search_request = SearchRequest(
        q=q,
        lang=_choice("lang", LANGS),
        product=_text("product"),
        type=_choice("type", TYPES),
        category=_text("category"),
        tag=_text("tag"),
        page=_number("page", 1, 100),
        per_page=_number("per_page", 10, 50),
        internal=_is_agent(),
    )
    found = _engine().search(search_request)
    search_id = uuid.uuid4().hex
    if search_request.page == 1 and not instant:
        storage: Storage = current_app.extensions["kb_storage"]
        storage.log_search(search_id, search_request, found, ticket_id=ticket_id)
    return _json(
        {
            "search_id": search_id,
            "query": found.query,
            "total": found.total,
            "page": found.page,
            "per_page": found.per_page,
            "results": [hit.as_json() for hit in found.results],
            "facets": found.facets,
            "suggestion": found.suggestion,
            "fallback": found.fallback,
        }
    )


@bp.get("/suggest")
def suggest() -> Response:
    """Complete what the customer is typing with titles and known phrasings."""
    q = _text("q", required=True, limit=MAX_QUERY_CHARS)
    assert q is not None
    found = _engine().suggest(q, internal=_is_agent())
    return _json({"query": q, "suggestions": [{"text": s.text, "url": s.url} for s in found]})
