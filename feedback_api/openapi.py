"""The OpenAPI description of the feedback endpoints."""

from __future__ import annotations

from typing import Any

from kbcore.vocab import FLAG_KINDS, REASONS

__all__ = ["PATHS", "SCHEMAS"]


def _error(text: str) -> dict[str, Any]:
    return {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(ref: str, text: str) -> dict[str, Any]:
    return {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


_ARTICLE_ID = {
    "name": "article_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 120},
}
_BODY_ERRORS = {
    "400": _error("The body names a field that is missing or invalid"),
    "404": _error("No such article"),
    "413": _error("The body is larger than 8 KiB"),
    "415": _error("The body is not JSON"),
}

# Agents use a bearer token, or the session cookie of the agents' portal (with X-CSRF-Token).
_AGENT: list[dict[str, list[str]]] = [{"agentToken": []}, {"agentSession": []}]

PATHS: dict[str, Any] = {
    "/api/articles/{article_id}/ratings": {
        "post": {
            "summary": "Say whether an article helped (the same client_token again changes it)",
            "parameters": [_ARTICLE_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Vote"}}},
            },
            "responses": {
                "201": _json("RatingSummary", "Vote stored; the article's new summary"),
                "200": _json("RatingSummary", "Vote changed; the article's new summary"),
                **_BODY_ERRORS,
                "429": _error("Too many articles rated from this browser or address"),
                "503": _error("The feedback store is unavailable; nothing was stored"),
            },
        },
        "get": {
            "summary": "Count an article's helpful and not-helpful votes",
            "parameters": [_ARTICLE_ID],
            "responses": {
                "200": _json("RatingSummary", "The article's summary"),
                "404": _error("No such article"),
                "503": _error("The feedback store is unavailable"),
            },
        },
    },
    "/api/articles/{article_id}/links": {
        "post": {
            "summary": "Agents: record that the article was used on a ticket (knowledge reuse)",
            "security": _AGENT,
            "parameters": [_ARTICLE_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Link"}}},
            },
            "responses": {
                "201": _json("ArticleUse", "Link stored"),
                "200": _json("ArticleUse", "This ticket was already linked"),
                **_BODY_ERRORS,
                "401": _error("No valid agent token or login"),
                "403": _error("Logged in, but the X-CSRF-Token header is missing or wrong"),
                "503": _error("The feedback store is unavailable; nothing was stored"),
            },
        }
    },
    "/api/articles/{article_id}/flags": {
        "post": {
            "summary": "Agents: flag the article for the writers' backlog",
            "security": _AGENT,
            "parameters": [_ARTICLE_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Flag"}}},
            },
            "responses": {
                "201": _json("ArticleUse", "Flag stored"),
                **_BODY_ERRORS,
                "401": _error("No valid agent token or login"),
                "403": _error("Logged in, but the X-CSRF-Token header is missing or wrong"),
                "503": _error("The feedback store is unavailable; nothing was stored"),
            },
        }
    },
    "/api/articles/{article_id}/usage": {
        "get": {
            "summary": "Agents: the article's ticket links and open flags",
            "security": _AGENT,
            "parameters": [_ARTICLE_ID],
            "responses": {
                "200": _json("ArticleUse", "Links and open flags"),
                "401": _error("No valid agent token or login"),
                "404": _error("No such article"),
                "503": _error("The feedback store is unavailable"),
            },
        }
    },
    "/api/agent/session": {
        "get": {
            "summary": "Agents: who is logged in, and the CSRF token their changes must send",
            "security": _AGENT,
            "responses": {
                "200": _json("AgentSession", "The agent of this token or login"),
                "401": _error("No valid agent token or login"),
            },
        }
    },
    "/api/searches/{search_id}/clicks": {
        "post": {
            "summary": "Record which result of a search the reader opened",
            "parameters": [
                {
                    "name": "search_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Click"}}},
            },
            "responses": {
                "202": _json("ClickAccepted", "Click accepted"),
                **_BODY_ERRORS,
            },
        }
    },
}

_REASONS = list(REASONS)
# Free text may hold tabs and line breaks, but no other control character.
_FREE_TEXT = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]*$"

SCHEMAS: dict[str, Any] = {
    "Vote": {
        "type": "object",
        "required": ["helpful", "client_token"],
        "additionalProperties": False,
        "properties": {
            "helpful": {"type": "boolean"},
            "reason": {"type": ["string", "null"], "enum": [*_REASONS, None]},
            "comment": {"type": ["string", "null"], "maxLength": 1000, "pattern": _FREE_TEXT},
            "client_token": {"type": "string", "format": "uuid"},
            "search_id": {"type": ["string", "null"], "pattern": "^[0-9a-f]{32}$"},
        },
    },
    "RatingSummary": {
        "type": "object",
        "required": [
            "id",
            "helpful",
            "not_helpful",
            "helpful_ratio",
            "wilson_lower_bound",
            "reasons",
        ],
        "properties": {
            "id": {"type": "string"},
            "helpful": {"type": "integer", "minimum": 0},
            "not_helpful": {"type": "integer", "minimum": 0},
            "helpful_ratio": {"type": ["number", "null"]},
            "wilson_lower_bound": {"type": "number"},
            "reasons": {
                "type": "object",
                "properties": {r: {"type": "integer"} for r in _REASONS},
            },
        },
    },
    "Link": {
        "type": "object",
        "required": ["ticket_id"],
        "additionalProperties": False,
        "properties": {
            "ticket_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 80,
                "pattern": "^[A-Za-z0-9_.#:/-]+$",
            }
        },
    },
    "Flag": {
        "type": "object",
        "required": ["kind"],
        "additionalProperties": False,
        "properties": {
            "kind": {
                "type": "string",
                "enum": list(FLAG_KINDS),
            },
            "note": {"type": ["string", "null"], "maxLength": 1000, "pattern": _FREE_TEXT},
        },
    },
    "ArticleUse": {
        "type": "object",
        "required": ["id", "links", "open_flags"],
        "properties": {
            "id": {"type": "string"},
            "flag_id": {"type": "integer"},
            "links": {"type": "integer", "minimum": 0},
            "open_flags": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    },
    "AgentSession": {
        "type": "object",
        "required": ["name", "csrf_token"],
        "properties": {
            "name": {"type": "string"},
            "csrf_token": {"type": ["string", "null"]},
        },
    },
    "Click": {
        "type": "object",
        "required": ["article_id"],
        "additionalProperties": False,
        "properties": {"article_id": {"type": "string", "minLength": 1, "maxLength": 120}},
    },
    "ClickAccepted": {
        "type": "object",
        "required": ["search_id", "article_id"],
        "properties": {
            "search_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "article_id": {"type": "string"},
        },
    },
}
