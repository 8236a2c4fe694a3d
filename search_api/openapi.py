"""The OpenAPI description of the search endpoints."""

from __future__ import annotations

from typing import Any

__all__ = ["PATHS", "SCHEMAS"]

_ERRORS = {
    str(code): {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for code, text in [
        (400, "A parameter is missing or invalid"),
        (401, "The agent token is not valid"),
        (503, "No search index is available, or its files are damaged (rebuild with `kb build`)"),
    ]
}
# Text parameters never hold a NUL; a query must hold more than white space (``str.isspace``,
# which also counts U+001C–U+001F and U+0085).
_NO_NUL = "^[^\\u0000]*$"
_NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000\\u001c-\\u001f\\u0085][^\\u0000]*$"
_TEXT = {"type": "string", "maxLength": 80, "pattern": _NO_NUL}
# An optional parameter sent empty (``lang=``) is the same as one not sent.
_FILTERS = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": text,
        "schema": schema,
    }
    for name, text, schema in [
        (
            "lang",
            "Only articles in this language",
            {"type": "string", "enum": ["zh-Hans", "zh-Hant", "en"]},
        ),
        ("product", "Only articles about this product id", _TEXT),
        (
            "type",
            "Only articles of this type",
            {"type": "string", "enum": ["troubleshooting", "howto", "faq", "known-issue"]},
        ),
        ("category", "Only articles in this category id", _TEXT),
        ("tag", "Only articles with this tag", _TEXT),
        ("page", "Page of results, from 1", {"type": "integer", "minimum": 1, "maximum": 100}),
        ("per_page", "Results per page", {"type": "integer", "minimum": 1, "maximum": 50}),
        (
            "instant",
            "1 for type-ahead requests, which are not logged as searches",
            {"type": "string", "enum": ["0", "1"]},
        ),
        (
            "ticket_id",
            "Agents only: the ticket being answered (logged with the search)",
            _TEXT,
        ),
    ]
]
_Q = {
    "name": "q",
    "in": "query",
    "required": True,
    "description": "What the customer typed (1–200 characters, not only spaces, no NUL; "
    "no query syntax)",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": _NOT_BLANK},
}

PATHS: dict[str, Any] = {
    "/api/search": {
        "get": {
            "summary": "Search the case articles",
            "description": "Chinese (Simplified or Traditional) and English. Internal articles are "
            "searched only with an agent token (Authorization: Bearer …). Each first page is "
            "logged (personal data redacted) for the writers' backlog.",
            "parameters": [_Q, *_FILTERS],
            "responses": {
                "200": {
                    "description": "Ranked results",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/SearchResults"}
                        }
                    },
                },
                **_ERRORS,
            },
        }
    },
    "/api/suggest": {
        "get": {
            "summary": "Complete what is being typed",
            "parameters": [{**_Q, "description": "The text typed so far"}],
            "responses": {
                "200": {
                    "description": "Up to 8 completions",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Suggestions"}}
                    },
                },
                **_ERRORS,
            },
        }
    },
}

_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
SCHEMAS: dict[str, Any] = {
    "SearchResults": {
        "type": "object",
        "required": [
            "search_id",
            "query",
            "total",
            "page",
            "per_page",
            "results",
            "facets",
            "suggestion",
            "fallback",
        ],
        "properties": {
            "search_id": {"type": "string"},
            "query": {"type": "string", "description": "The query as normalised for matching"},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {
                "type": "object",
                "properties": {"product": _COUNTS, "type": _COUNTS, "lang": _COUNTS},
            },
            "suggestion": {"type": ["string", "null"], "description": "Did you mean"},
            "fallback": {"type": ["string", "null"], "enum": [None, "fuzzy", "any-term"]},
        },
    },
    "Hit": {
        "type": "object",
        "required": [
            "id",
            "title",
            "url",
            "snippet",
            "score",
            "type",
            "product",
            "lang",
            "section",
        ],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "url": {"type": "string", "description": "Article URL, with #anchor of the section"},
            "snippet": {"type": "string", "description": "HTML-escaped text; matches in <mark>"},
            "score": {"type": "number"},
            "type": {"type": "string"},
            "product": {"type": "string"},
            "lang": {"type": "string"},
            "section": {"type": ["string", "null"]},
        },
    },
    "Suggestions": {
        "type": "object",
        "required": ["query", "suggestions"],
        "properties": {
            "query": {"type": "string"},
            "suggestions": {
                "type": "array",
                "maxItems": 8,
                "items": {
                    "type": "object",
                    "required": ["text", "url"],
                    "properties": {"text": {"type": "string"}, "url": {"type": ["string", "null"]}},
                },
            },
        },
    },
}
