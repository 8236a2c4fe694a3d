"""The feedback endpoints: ratings of articles and clicks on search results."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any, Literal, TypeVar
from uuid import UUID

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from feedback_api.catalog import Catalog
from kbcore.agents import flag_article, link_ticket, usage
from kbcore.events import ClickEvent
from kbcore.ratings import RateLimited, Vote, record_vote, summarize
from kbcore.storage import Storage
from kbcore.web import ApiError, current_agent

__all__ = ["bp"]

bp = Blueprint("feedback", __name__, url_prefix="/api")

MAX_BODY_BYTES = 8 * 1024
SEARCH_ID = re.compile(r"^[0-9a-f]{32}$")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

Reason = Literal["outdated", "incorrect", "unclear", "did-not-solve", "wrong-product"]


class RatingBody(BaseModel):
    """The JSON body of a vote."""

    model_config = ConfigDict(extra="forbid", strict=True)

    helpful: bool
    reason: Reason | None = None
    comment: str | None = Field(None, max_length=1000)
    client_token: UUID
    search_id: str | None = Field(None, pattern=SEARCH_ID.pattern)


class LinkBody(BaseModel):
    """The JSON body of a ticket link."""

    model_config = ConfigDict(extra="forbid", strict=True)

    ticket_id: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.#:/-]+$")


class FlagBody(BaseModel):
    """The JSON body of a flag."""

    model_config = ConfigDict(extra="forbid", strict=True)

    kind: Literal["outdated", "incorrect", "missing-step", "duplicate"]
    note: str | None = Field(None, max_length=1000)


class ClickBody(BaseModel):
    """The JSON body of a click."""

    model_config = ConfigDict(extra="forbid", strict=True)

    article_id: str = Field(min_length=1, max_length=120)


def _storage() -> Storage:
    storage: Storage = current_app.extensions["kb_storage"]
    return storage


def _catalog() -> Catalog:
    catalog: Catalog = current_app.extensions["kb_catalog"]
    return catalog


M = TypeVar("M", bound=BaseModel)


def _body(model: type[M]) -> M:
    """Parse the request's JSON body into ``model``, or raise the 4xx that says why."""
    if request.mimetype != "application/json":
        raise ApiError(
            f"Content-Type: expected application/json, found {request.mimetype or 'nothing'}",
            code="unsupported_media_type",
            status=415,
        )
    # Read one byte past the limit: Werkzeug cuts a chunked body at the limit without a word.
    request.max_content_length = MAX_BODY_BYTES + 1
    try:
        raw: bytes | None = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raw = None
    if raw is None or len(raw) > MAX_BODY_BYTES:
        raise ApiError(
            f"body: expected at most {MAX_BODY_BYTES} bytes, found more",
            code="payload_too_large",
            status=413,
        )
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise ApiError("; ".join(_describe(e) for e in exc.errors()), code="invalid_body") from None


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "body"
    if error["type"] == "missing":
        return f"{where}: expected a value, found nothing"
    if error["type"] == "extra_forbidden":
        return f"{where}: expected no such field, found one"
    if error["type"] == "json_invalid":
        return f"body: expected a JSON object, found invalid JSON ({error['ctx']['error']})"
    found = repr(error["input"])[:60]
    if error["type"] in ("string_too_short", "string_too_long"):
        short = error["type"] == "string_too_short"
        limit = error["ctx"]["min_length" if short else "max_length"]
        bound = f"{'at least' if short else 'at most'} {limit} character{'s' * (limit != 1)}"
        return f"{where}: expected {bound}, found {len(error['input'])}"
    if error["type"] == "string_pattern_mismatch" and where == "search_id":
        return f"{where}: expected 32 hexadecimal digits, found {found}"
    if error["type"] == "string_pattern_mismatch" and where == "ticket_id":
        return f"{where}: expected letters, digits and _ . # : / -, found {found}"
    if error["type"].startswith("uuid_"):
        return f"{where}: expected a UUID, found {found}"
    expected = error["msg"].removeprefix("Input should be ").removeprefix("String should ")
    return f"{where}: expected {expected}, found {found}"


def _agent() -> str:
    """The request's agent id (401 without a token or login, 403 for a change without CSRF)."""
    agent = current_agent(required=True)
    assert agent is not None
    return agent.id


def _known(article_id: str, *, agent: bool = False) -> str:
    if not _catalog().visible(article_id, agent=agent):
        raise ApiError(
            f"article {article_id[:120]!r}: no such article", code="not_found", status=404
        )
    return article_id


def _unavailable(exc: Exception) -> ApiError:
    current_app.logger.error("feedback store unavailable: %s", exc)
    return ApiError(
        "Feedback cannot be stored right now; try again shortly.",
        code="storage_unavailable",
        status=503,
        headers={"Retry-After": "5"},
    )


def _json(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/articles/<article_id>/ratings")
def rate(article_id: str) -> Response:
    """Record whether an article helped; the same browser voting again changes its vote."""
    _known(article_id)
    body = _body(RatingBody)
    if body.comment is not None and _BAD_CHARS.search(body.comment):
        raise ApiError(
            "comment: expected text, found a control character or an invalid one",
            code="invalid_body",
        )
    storage = _storage()
    vote = Vote(
        article_id=article_id,
        helpful=body.helpful,
        reason=None if body.helpful else body.reason,
        comment=storage.redact(body.comment.strip()) or None if body.comment else None,
        client_token=str(body.client_token),
        search_id=body.search_id,
        address=storage.address(request.remote_addr),
    )
    try:
        created, summary = record_vote(storage.store, vote, storage.limits)
    except RateLimited as exc:
        raise ApiError(
            f"{exc}; try again in {exc.retry_after} s",
            code="too_many_requests",
            status=429,
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    except SQLAlchemyError as exc:
        raise _unavailable(exc) from None
    return _json(asdict(summary), 201 if created else 200)


@bp.get("/articles/<article_id>/ratings")
def ratings_summary(article_id: str) -> Response:
    """Count the helpful and not-helpful votes of an article, with the reasons given."""
    _known(article_id)
    try:
        summary = summarize(_storage().store, article_id)
    except SQLAlchemyError as exc:
        raise _unavailable(exc) from None
    return _json(asdict(summary))


@bp.post("/searches/<search_id>/clicks")
def click(search_id: str) -> Response:
    """Record which result of a search the reader opened."""
    if not SEARCH_ID.match(search_id):
        raise ApiError(
            f"search_id: expected 32 hexadecimal digits, found {search_id[:40]!r}",
            code="invalid_parameter",
        )
    body = _body(ClickBody)
    # Agents open internal results too; the SameSite=Strict cookie never comes from another site.
    _known(body.article_id, agent=current_agent(required=False, csrf=False) is not None)
    _storage().events.click(ClickEvent(search_id, body.article_id))
    return _json({"search_id": search_id, "article_id": body.article_id}, 202)


@bp.post("/articles/<article_id>/links")
def link(article_id: str) -> Response:
    """Record that an agent used the article on a ticket (agents only)."""
    agent = _agent()
    _known(article_id, agent=True)
    body = _body(LinkBody)
    try:
        created = link_ticket(_storage().store, article_id, body.ticket_id, agent)
        use = usage(_storage().store, article_id)
    except SQLAlchemyError as exc:
        raise _unavailable(exc) from None
    return _json(asdict(use), 201 if created else 200)


@bp.post("/articles/<article_id>/flags")
def flag(article_id: str) -> Response:
    """Flag an article for the writers: outdated, incorrect, a missing step, a duplicate."""
    agent = _agent()
    _known(article_id, agent=True)
    body = _body(FlagBody)
    note = body.note.strip() if body.note else None
    if note and _BAD_CHARS.search(note):
        raise ApiError(
            "note: expected text, found a control character or an invalid one",
            code="invalid_body",
        )
    storage = _storage()
    try:
        flag_id = flag_article(
            storage.store, article_id, body.kind, storage.redact(note) if note else None, agent
        )
        use = usage(storage.store, article_id)
    except SQLAlchemyError as exc:
        raise _unavailable(exc) from None
    return _json({"flag_id": flag_id, **asdict(use)}, 201)


@bp.get("/agent/session")
def agent_session() -> Response:
    """Tell the agents' portal who is logged in and the CSRF token its changes must send."""
    agent = current_agent(required=True)
    assert agent is not None
    return _json({"name": agent.name, "csrf_token": agent.csrf})


@bp.get("/articles/<article_id>/usage")
def article_usage(article_id: str) -> Response:
    """Count an article's ticket links and open flags (agents only)."""
    _agent()
    _known(article_id, agent=True)
    try:
        return _json(asdict(usage(_storage().store, article_id)))
    except SQLAlchemyError as exc:
        raise _unavailable(exc) from None
