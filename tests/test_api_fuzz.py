"""Fuzz every endpoint of the portal's API from the OpenAPI document it serves (schemathesis).

For each operation of ``/api/openapi.json``, schemathesis builds requests from the document:
valid ones (positive) and ones that break it (negative: wrong types, out-of-range values, missing
or unknown fields). Every answer must not be a 5xx; must use a status code the document lists for
the operation, with the documented content type and schema; must accept what the document calls
valid and reject what it calls invalid. The agents' endpoints get a valid bearer token through the
document's ``agentToken`` security scheme, so they are exercised beyond 401. Article ids, queries
and ticket ids are drawn now and then from the sample knowledge base, so the fuzzer reaches real
articles and real results, not only 404s.

Runs are bounded (``MAX_EXAMPLES`` per operation and mode) and derandomized: the same code sends
the same requests. ``KB_FUZZ_EXAMPLES=1000 KB_FUZZ_SEED=7`` runs more, from another seed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

import feedback_api
import search_api
from feedback_api.catalog import Catalog
from generator.server import create_portal_app
from kbcore.config import load_settings
from kbcore.storage import open_storage
from kbcore.web import HEALTH_PATHS
from tests.conftest import Built, copy_data_dir

MAX_EXAMPLES = int(os.environ.get("KB_FUZZ_EXAMPLES", "50"))
SEED = os.environ.get("KB_FUZZ_SEED")
AGENT_TOKEN = "fuzz-agent-token-0123456789"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
]

# Every operation the portal documents, each with the modes it can be fuzzed in: an operation
# that takes nothing (GET /api/health) has no invalid request to build.
DOCUMENTED = {
    (method.upper(), path): operation
    for paths in (HEALTH_PATHS, search_api.PATHS, feedback_api.PATHS)
    for path, methods in paths.items()
    for method, operation in methods.items()
}
RUNS = [
    (method, path, mode)
    for (method, path), operation in sorted(DOCUMENTED.items())
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE
    or any(operation.get(field) for field in ("parameters", "requestBody", "security"))
]

# Real values of the sample knowledge base, drawn now and then instead of generated ones.
PUBLIC_ARTICLES = [
    "deskmate-receipt-printer-offline",
    "deskmate-login-proxy-timeout",
    "deskmate-login-proxy-timeout-zh-hant",
    "deskmate-login-crash-0xc000007b",
]
INTERNAL_ARTICLE = "deskmate-internal-sync-escalation"
QUERIES = [
    "登录失败",
    "登錄失敗",
    "登陆 失败",
    "小票打印机脱机",
    "印表機離線",
    "ERR_CONN_TIMEOUT",
    "0xc000007b",
    "receipt printer offline",
    "ＬＯＧＩＮ",
    "E1001",
]
TICKETS = ["T-1001", "ZD#2002", "jira:KB-7"]
CONFIG: dict[str, Any] = {
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "auth": {"openapi": {"agentToken": {"bearer": AGENT_TOKEN}}},
    "dictionaries": {
        "articles": {"values": [*PUBLIC_ARTICLES, INTERNAL_ARTICLE]},
        "queries": {"values": QUERIES},
        "tickets": {"values": TICKETS},
    },
    "parameters": {
        "path.article_id": {"dictionary": "articles", "probability": 0.5},
        "body.article_id": {"dictionary": "articles", "probability": 0.5},
        "query.q": {"dictionary": "queries", "probability": 0.3},
        "body.ticket_id": {"dictionary": "tickets", "probability": 0.3},
    },
}


@contextmanager
def sample_portal(built: Built, root: Path, **overrides: Any) -> Iterator[Flask]:
    """The portal over a copy of the sample's build and a fresh, migrated SQLite database."""
    settings = load_settings(
        {
            "data_dir": copy_data_dir(built, root / "var"),
            "site_dir": built.site_dir,
            "internal_site_dir": built.internal_site_dir,
            "database_url": f"sqlite:///{root / 'kb.sqlite'}",
            **overrides,
        },
        environ={},
    )
    store = open_storage(settings).store
    store.upgrade()
    store.dispose()
    app = create_portal_app(settings)
    try:
        yield app
    finally:
        app.extensions["kb_storage"].store.dispose()


@pytest.fixture(scope="module")
def portal_app(built_sample: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The sample portal with an agent token."""
    with sample_portal(
        built_sample,
        tmp_path_factory.mktemp("fuzz"),
        agent_tokens=(AGENT_TOKEN,),
        # The fuzzer rates from one client and one address: test the answers, not the limits.
        rating_limit_per_client=100000,
        rating_limit_per_address=1000000,
    ) as app:
        yield app


@pytest.fixture(scope="module")
def api_schema(portal_app: Flask) -> schemathesis.BaseSchema:
    """The portal's OpenAPI document, as the portal serves it."""
    return schemathesis.openapi.from_wsgi(
        "/api/openapi.json", portal_app, config=SchemathesisConfig.from_dict(CONFIG)
    )


def test_every_served_operation_is_fuzzed(api_schema: schemathesis.BaseSchema) -> None:
    served = {
        (method.upper(), path)
        for path, methods in api_schema.raw_schema["paths"].items()
        for method in methods
    }
    assert served == set(DOCUMENTED)
    assert served == {(method, path) for method, path, _ in RUNS}


def test_the_drawn_articles_exist(portal_app: Flask) -> None:
    """The dictionary names articles of the sample, so the fuzzer reaches them."""
    catalog: Catalog = portal_app.extensions["kb_catalog"]
    assert all(catalog.visible(article, agent=False) for article in PUBLIC_ARTICLES)
    assert catalog.visible(INTERNAL_ARTICLE, agent=True)
    assert not catalog.visible(INTERNAL_ARTICLE, agent=False)


@pytest.mark.parametrize(("method", "path", "mode"), RUNS)
def test_operation_answers_as_documented(
    api_schema: schemathesis.BaseSchema,
    portal_app: Flask,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = api_schema[path][method]

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def answers(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(app=portal_app, checks=CHECKS)

    if SEED is not None:
        answers = seed(int(SEED))(answers)
    answers()
