"""Odd query strings: repeated, unknown, empty, NUL, invalid UTF-8 and overlong parameters.

Whatever the query string, the search API answers with a 200 or a documented 400, never a 5xx,
and answers the same request the same way twice (but for the fresh ``search_id``). A repeated
parameter counts with its first value, an unknown one is ignored, and an empty optional one is
the same as one not sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Built
from tests.test_api_fuzz import sample_portal

LONG = 100_000

# (endpoint, query string, status)
ODD: list[tuple[str, str, int]] = [
    ("search", "q=登录&q=打印机", 200),
    ("search", "q=登录&page=1&page=2", 200),
    ("search", "q=登录&per_page=5&per_page=50&per_page=x", 200),
    ("search", "q=登录&lang=en&lang=zh-Hans", 200),
    ("search", "q=登录&instant=1&instant=0", 200),
    ("search", "q=登录&utm_source=mail&Q=x&q[]=1&q.x=2&=&&", 200),
    ("search", "q=登录&lang=&type=&product=&category=&tag=&page=&per_page=&instant=", 200),
    ("search", "q=登录&page=5.0&per_page=05", 200),
    ("search", "q=%FF%FE%FD", 200),  # not UTF-8
    ("search", "q=%ED%A0%80", 200),  # an encoded lone surrogate
    ("search", "q=%25&product=%", 200),
    ("search", "q=%E2%80%8B", 200),  # only a zero-width space: no terms, no results
    ("search", "q=登录&" + "x" * LONG + "=1", 200),
    ("search", "q=登录&unknown=" + "x" * LONG, 200),
    ("search", "", 400),
    ("search", "q=", 400),
    ("search", "q=&q=登录", 400),
    ("search", "q=+++", 400),
    ("search", "q=%E3%80%80%C2%85", 400),  # ideographic space and NEL are blank too
    ("search", "q=%00", 400),
    ("search", "q=a%00b", 400),
    ("search", "q=登录&product=%00", 400),
    ("search", "q=登录&ticket_id=T-1%00", 400),
    ("search", "q=登录&page=2&ticket_id=T-1%00", 400),  # checked even where nothing is logged
    ("search", "q=登录&page=%00", 400),
    ("search", "q=" + "a" * 201, 400),
    ("search", "q=" + "登" * LONG, 400),
    ("search", "q=登录&page=" + "9" * 5000, 400),  # more digits than int() converts
    ("search", "q=登录&per_page=" + "1" * LONG, 400),
    ("search", "q=登录&page=" + "0" * LONG, 400),
    ("search", "q=登录&product=" + "x" * 81, 400),
    ("search", "q=登录&tag=" + "标" * LONG, 400),
    ("search", "q=登录&page=0", 400),
    ("search", "q=登录&page=-1", 400),
    ("search", "q=登录&page=1e1", 400),
    ("search", "q=登录&page=%EF%BC%91", 400),  # a full-width 1
    ("search", "q=登录&lang=EN", 400),
    ("search", "q=登录&instant=yes", 400),
    ("suggest", "q=登&q=打", 200),
    ("suggest", "q=登&unknown=1&q2=", 200),
    ("suggest", "q=%FF", 200),
    ("suggest", "", 400),
    ("suggest", "q=%00", 400),
    ("suggest", "q=" + "a" * 201, 400),
]

# Requests that must answer exactly as a plainer one does (first value wins, unknown ignored).
SAME_AS: list[tuple[str, str]] = [
    ("q=登录&q=打印机", "q=登录"),
    ("q=登录&page=1&page=2", "q=登录&page=1"),
    ("q=登录&per_page=5&per_page=50&per_page=x", "q=登录&per_page=5"),
    ("q=登录&lang=en&lang=zh-Hans", "q=登录&lang=en"),
    ("q=登录&utm_source=mail&Q=x&q[]=1&q.x=2&=&&", "q=登录"),
    ("q=登录&lang=&type=&product=&category=&tag=&page=&per_page=&instant=", "q=登录"),
    ("q=登录&page=5.0&per_page=05", "q=登录&page=5&per_page=5"),
    ("q=登录&unknown=" + "x" * LONG, "q=登录"),
]


@pytest.fixture(scope="module")
def client(built_sample: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    with sample_portal(built_sample, tmp_path_factory.mktemp("odd")) as app:
        yield app.test_client()


def answer(client: FlaskClient, endpoint: str, query: str) -> tuple[int, str | None, Any]:
    """Send the query string as it is; return the status, content type and body sans search_id."""
    response = client.get(f"/api/{endpoint}?{query}", headers={"X-Request-Id": "odd-params"})
    body = response.get_json(silent=True)
    if isinstance(body, dict):
        body.pop("search_id", None)
    return response.status_code, response.mimetype, body


@pytest.mark.parametrize(
    ("endpoint", "query", "status"),
    ODD,
    ids=[f"{endpoint}?{query[:40]}" for endpoint, query, _ in ODD],
)
def test_odd_parameters_answer_deterministically(
    client: FlaskClient, endpoint: str, query: str, status: int
) -> None:
    first = answer(client, endpoint, query)
    second = answer(client, endpoint, query)
    assert first == second
    code, mimetype, body = first
    assert (code, mimetype) == (status, "application/json"), body
    if status == 400:
        assert body["error"]["code"] == "invalid_parameter"
        assert body["error"]["request_id"] == "odd-params"


@pytest.mark.parametrize(("query", "plain"), SAME_AS, ids=[q[:40] for q, _ in SAME_AS])
def test_repeated_unknown_and_empty_parameters(client: FlaskClient, query: str, plain: str) -> None:
    assert answer(client, "search", query) == answer(client, "search", plain)


def test_the_first_value_is_the_one_used(client: FlaskClient) -> None:
    _, _, body = answer(client, "search", "q=登录&page=2&page=1&per_page=3&per_page=1")
    assert (body["page"], body["per_page"], body["query"]) == (2, 3, "登录")
