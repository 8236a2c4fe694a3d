"""Ratings and clicks over HTTP: status codes, error bodies, caps, redaction, a locked store."""

from __future__ import annotations

import json
import math
import sqlite3
import time
import uuid
from statistics import NormalDist
from typing import Any, get_args

import pytest
from sqlalchemy.engine import make_url

from feedback_api import views
from kbcore.db import clicks, ratings, searches
from kbcore.vocab import FLAG_KINDS, REASONS

ZEROS = dict.fromkeys(["outdated", "incorrect", "unclear", "did-not-solve", "wrong-product"], 0)
INTERNAL_ARTICLE = "deskmate-internal-sync-escalation"  # in kb/, never in the public manifest
TOKEN = "6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f"


def rate(client, article, body=None, *, raw=None, content_type="application/json", **kw):
    data = raw if raw is not None else json.dumps(body)
    return client.post(
        f"/api/articles/{article}/ratings", data=data, content_type=content_type, **kw
    )


def wilson(positive: int, total: int) -> float:
    """The lower end of the 95 % Wilson interval, by its closed form."""
    if total == 0:
        return 0.0
    z = NormalDist().inv_cdf(0.975)
    p = positive / total
    root = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return (p + z * z / (2 * total) - root) / (1 + z * z / total)


def assert_error(response, status: int, code: str, message: str | None = None) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["code"] == code
    if message is not None:
        assert body["error"]["message"] == message
    return body["error"]


def test_a_vote_then_a_changed_vote(portal, article_ids):
    article = article_ids[0]
    first = rate(portal.client, article, {"helpful": True, "client_token": TOKEN})
    assert first.status_code == 201
    assert first.headers["Cache-Control"] == "no-store"
    assert first.get_json() == {
        "id": article,
        "helpful": 1,
        "not_helpful": 0,
        "helpful_ratio": 1.0,
        "wilson_lower_bound": 0.2065,
        "reasons": ZEROS,
    }
    changed = rate(
        portal.client,
        article,
        {
            "helpful": False,
            "reason": "outdated",
            "comment": "第 3 步的按钮找不到",
            "client_token": TOKEN,
        },
    )
    assert changed.status_code == 200
    assert changed.get_json() == {
        "id": article,
        "helpful": 0,
        "not_helpful": 1,
        "helpful_ratio": 0.0,
        "wilson_lower_bound": 0.0,
        "reasons": {**ZEROS, "outdated": 1},
    }
    # The same token written in capitals is the same browser.
    again = rate(portal.client, article, {"helpful": False, "client_token": TOKEN.upper()})
    assert again.status_code == 200
    [row] = portal.rows(ratings)
    assert (row.article_id, row.client_token, row.helpful) == (article, TOKEN, False)
    assert (row.reason, row.comment) == (None, None)


def test_summary(portal, article_ids):
    article, other = article_ids[:2]
    empty = portal.client.get(f"/api/articles/{article}/ratings")
    assert empty.status_code == 200
    assert empty.get_json() == {
        "id": article,
        "helpful": 0,
        "not_helpful": 0,
        "helpful_ratio": None,
        "wilson_lower_bound": 0.0,
        "reasons": ZEROS,
    }
    votes: list[dict[str, Any]] = [
        {"helpful": True},
        {"helpful": True},
        {"helpful": True, "reason": "outdated"},  # a reason only counts with "not helpful"
        {"helpful": False, "reason": "unclear"},
        {"helpful": False, "reason": "unclear", "comment": "看不懂"},
        {"helpful": False},
    ]
    for body in votes:
        assert (
            rate(portal.client, article, {**body, "client_token": str(uuid.uuid4())}).status_code
            == 201
        )
    rate(portal.client, other, {"helpful": False, "reason": "incorrect", "client_token": TOKEN})

    response = portal.client.get(f"/api/articles/{article}/ratings")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    summary = response.get_json()
    assert summary == {
        "id": article,
        "helpful": 3,
        "not_helpful": 3,
        "helpful_ratio": 0.5,
        "wilson_lower_bound": pytest.approx(wilson(3, 6), abs=1e-4),
        "reasons": {**ZEROS, "unclear": 2},
    }
    assert portal.count(ratings) == 7


@pytest.mark.parametrize("article", ["no-such-article", INTERNAL_ARTICLE])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_article(portal, article, method):
    response = portal.client.open(
        f"/api/articles/{article}/ratings",
        method=method,
        json={"helpful": True, "client_token": TOKEN} if method == "POST" else None,
        headers={"X-Request-Id": "req-42"},
    )
    error = assert_error(response, 404, "not_found", f"article {article!r}: no such article")
    assert error["request_id"] == "req-42"
    assert portal.count(ratings) == 0


BAD_BODIES = [
    ("missing helpful", {"client_token": TOKEN}, "helpful: expected a value, found nothing"),
    (
        'helpful "yes"',
        {"helpful": "yes", "client_token": TOKEN},
        "helpful: expected a valid boolean, found 'yes'",
    ),
    (
        "helpful 1",
        {"helpful": 1, "client_token": TOKEN},
        "helpful: expected a valid boolean, found 1",
    ),
    ("missing token", {"helpful": True}, "client_token: expected a value, found nothing"),
    (
        "bad uuid",
        {"helpful": True, "client_token": "not-a-uuid"},
        "client_token: expected a UUID, found 'not-a-uuid'",
    ),
    (
        "reason not in the list",
        {"helpful": False, "reason": "meh", "client_token": TOKEN},
        "reason: expected 'outdated', 'incorrect', 'unclear', 'did-not-solve' or "
        "'wrong-product', found 'meh'",
    ),
    (
        "comment of 1001 characters",
        {"helpful": False, "comment": "很" * 1001, "client_token": TOKEN},
        "comment: expected at most 1000 characters, found 1001",
    ),
    (
        "comment with NUL",
        {"helpful": False, "comment": "a\x00b", "client_token": TOKEN},
        "comment: expected text, found a control character or an invalid one",
    ),
    (
        "comment with a control character",
        {"helpful": False, "comment": "a\x1bb", "client_token": TOKEN},
        "comment: expected text, found a control character or an invalid one",
    ),
    (
        "unknown field",
        {"helpful": True, "client_token": TOKEN, "count": 999},
        "count: expected no such field, found one",
    ),
    (
        "search_id not hex",
        {"helpful": True, "client_token": TOKEN, "search_id": "abc"},
        "search_id: expected 32 hexadecimal digits, found 'abc'",
    ),
    (
        "search_id in capitals",
        {"helpful": True, "client_token": TOKEN, "search_id": "AB" * 16},
        f"search_id: expected 32 hexadecimal digits, found '{'AB' * 16}'",
    ),
    ("not an object", [1], "body: expected an object, found [1]"),
    (
        "invalid JSON",
        '{"helpful": true,',
        "body: expected a JSON object, found invalid JSON "
        "(EOF while parsing a value at line 1 column 17)",
    ),
    (
        "empty body",
        "",
        "body: expected a JSON object, found invalid JSON (EOF while parsing a value at line 1 "
        "column 0)",
    ),
]


@pytest.mark.parametrize(
    ("body", "message"), [case[1:] for case in BAD_BODIES], ids=[case[0] for case in BAD_BODIES]
)
def test_bad_body(portal, article_ids, body, message):
    raw = body if isinstance(body, str) else json.dumps(body)
    response = rate(portal.client, article_ids[0], raw=raw)
    assert_error(response, 400, "invalid_body", message)
    assert portal.count(ratings) == 0


@pytest.mark.parametrize(
    ("content_type", "found"),
    [
        ("text/plain", "text/plain"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("multipart/form-data; boundary=x", "multipart/form-data"),
        (None, "nothing"),
    ],
)
def test_not_json(portal, article_ids, content_type, found):
    body = json.dumps({"helpful": True, "client_token": TOKEN})
    response = rate(portal.client, article_ids[0], raw=body, content_type=content_type)
    assert_error(
        response,
        415,
        "unsupported_media_type",
        f"Content-Type: expected application/json, found {found}",
    )
    assert portal.count(ratings) == 0


def test_the_body_limit_is_8_kib(portal, article_ids):
    body = json.dumps({"helpful": True, "client_token": TOKEN})
    padded = body[:-1] + " " * (8192 - len(body)) + "}"
    assert len(padded.encode()) == 8192
    assert rate(portal.client, article_ids[0], raw=padded).status_code == 201
    over = body[:-1] + " " * (8193 - len(body)) + "}"
    too_large = "body: expected at most 8192 bytes, found more"
    assert_error(rate(portal.client, article_ids[1], raw=over), 413, "payload_too_large", too_large)
    big = {"helpful": False, "comment": "x" * 9000, "client_token": str(uuid.uuid4())}
    assert_error(rate(portal.client, article_ids[2], big), 413, "payload_too_large", too_large)
    assert portal.count(ratings) == 1


def test_cap_per_browser(make_portal, article_ids):
    portal = make_portal(rating_limit_per_client=2)
    a, b, c = article_ids[:3]
    assert rate(portal.client, a, {"helpful": True, "client_token": TOKEN}).status_code == 201
    assert rate(portal.client, b, {"helpful": True, "client_token": TOKEN}).status_code == 201
    response = rate(portal.client, c, {"helpful": True, "client_token": TOKEN})
    error = assert_error(response, 429, "too_many_requests")
    retry = int(response.headers["Retry-After"])
    assert 0 < retry <= 3600
    assert error["message"] == (
        f"client_token: at most 2 articles rated per window; try again in {retry} s"
    )
    # Changing a vote already given is still allowed.
    assert rate(portal.client, a, {"helpful": False, "client_token": TOKEN}).status_code == 200
    # Another browser is not capped.
    other = str(uuid.uuid4())
    assert rate(portal.client, c, {"helpful": True, "client_token": other}).status_code == 201
    assert portal.count(ratings) == 3


def test_cap_per_address(make_portal, article_ids):
    portal = make_portal(rating_limit_per_address=3)
    article = article_ids[0]
    for _ in range(3):
        body = {"helpful": True, "client_token": str(uuid.uuid4())}
        assert rate(portal.client, article, body).status_code == 201
    response = rate(portal.client, article, {"helpful": True, "client_token": str(uuid.uuid4())})
    error = assert_error(response, 429, "too_many_requests")
    assert int(response.headers["Retry-After"]) > 0
    assert error["message"].startswith("address: at most 3 articles rated per window; try again")
    elsewhere = rate(
        portal.client,
        article,
        {"helpful": True, "client_token": str(uuid.uuid4())},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert elsewhere.status_code == 201
    stored = portal.rows(ratings)
    assert len(stored) == 4
    # Addresses are kept only as keyed hashes.
    assert {len(row.address) for row in stored} == {32}
    assert len({row.address for row in stored}) == 2
    assert not any("127.0.0.1" in row.address or "203.0.113" in row.address for row in stored)


def test_personal_data_in_comments_is_redacted(make_portal, article_ids):
    portal = make_portal(redact_patterns=r"SO\d{12}")
    comment = "还是不行，请打 +86 138 0013 8000 或发 li.na@example.com，订单 SO202611240001，E1042"
    body = {"helpful": False, "reason": "did-not-solve", "comment": comment, "client_token": TOKEN}
    response = rate(portal.client, article_ids[0], body)
    assert response.status_code == 201
    assert "comment" not in response.get_json()
    [row] = portal.rows(ratings)
    assert row.comment == "还是不行，请打 [phone] 或发 [email]，订单 [order]，E1042"


def test_clicks(portal, article_ids):
    found = portal.client.get("/api/search", query_string={"q": "钱箱 不弹出"}).get_json()
    search_id, article = found["search_id"], found["results"][0]["id"]
    for _ in range(2):  # the same click twice is one click
        response = portal.client.post(
            f"/api/searches/{search_id}/clicks", json={"article_id": article}
        )
        assert response.status_code == 202
        assert response.get_json() == {"search_id": search_id, "article_id": article}
    [row] = portal.rows(clicks)
    assert (row.search_id, row.article_id) == (search_id, article)
    other = article_ids[-1]
    portal.client.post(f"/api/searches/{search_id}/clicks", json={"article_id": other})
    assert portal.count(clicks, clicks.c.search_id == search_id) == 2


@pytest.mark.parametrize("search_id", ["not-hex", "ab" * 15, "AB" * 16, "ab" * 17])
def test_click_with_a_bad_search_id(portal, article_ids, search_id):
    response = portal.client.post(
        f"/api/searches/{search_id}/clicks", json={"article_id": article_ids[0]}
    )
    assert_error(
        response,
        400,
        "invalid_parameter",
        f"search_id: expected 32 hexadecimal digits, found {search_id!r}",
    )
    assert portal.count(clicks) == 0


def test_click_errors(portal):
    url = f"/api/searches/{uuid.uuid4().hex}/clicks"
    assert_error(
        portal.client.post(url, json={"article_id": "no-such-article"}),
        404,
        "not_found",
        "article 'no-such-article': no such article",
    )
    assert_error(
        portal.client.post(url, json={"article_id": ""}),
        400,
        "invalid_body",
        "article_id: expected at least 1 character, found 0",
    )
    assert_error(
        portal.client.post(url, data="article_id=x", content_type="text/plain"),
        415,
        "unsupported_media_type",
    )
    assert portal.count(clicks) == 0


class Lock:
    """Hold the tables' write lock from another connection, as a long transaction would."""

    def __init__(self, database_url: str) -> None:
        self.url = make_url(database_url)

    def __enter__(self) -> Lock:
        if self.url.get_backend_name() == "sqlite":
            self.conn = sqlite3.connect(self.url.database or "", isolation_level=None)
            self.conn.execute("BEGIN EXCLUSIVE")
        else:
            import psycopg

            libpq = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.pg = psycopg.connect(libpq)
            self.pg.execute("LOCK TABLE ratings, searches IN ACCESS EXCLUSIVE MODE")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.url.get_backend_name() == "sqlite":
            self.conn.execute("ROLLBACK")
            self.conn.close()
        else:
            self.pg.rollback()
            self.pg.close()


def test_a_locked_database(make_portal, article_ids, database_url):
    portal = make_portal(db_busy_timeout_ms=300)
    article = article_ids[0]
    with Lock(database_url):
        started = time.monotonic()
        response = rate(portal.client, article, {"helpful": True, "client_token": TOKEN})
        waited = time.monotonic() - started
        assert_error(
            response,
            503,
            "storage_unavailable",
            "Feedback cannot be stored right now; try again shortly.",
        )
        assert response.headers["Retry-After"] == "5"
        assert 0.25 < waited < 5  # the busy timeout, not a hang

        # Searching still works; its event waits in the spool.
        found = portal.client.get("/api/search", query_string={"q": "钱箱 不弹出"})
        assert found.status_code == 200 and found.get_json()["total"] > 0
        assert portal.storage.events.pending() == 1

    assert portal.count(ratings) == 0
    assert portal.count(searches) == 0
    # The next stored event replays the spool.
    second = portal.client.get("/api/search", query_string={"q": "打印机 不出纸"})
    assert second.status_code == 200
    assert portal.storage.events.pending() == 0
    stored = {row.search_id for row in portal.rows(searches)}
    assert stored == {found.get_json()["search_id"], second.get_json()["search_id"]}
    # And votes are taken again.
    assert rate(portal.client, article, {"helpful": True, "client_token": TOKEN}).status_code == 201


def test_the_feedback_service_alone(database_url, data_dir, built_sample):
    import feedback_api
    from kbcore.db import DatabaseError, Store

    config = {"data_dir": data_dir, "database_url": database_url}
    with pytest.raises(DatabaseError, match=r"expected schema revision .* \(run `kb db upgrade`\)"):
        feedback_api.create_app(config)
    store = Store(database_url)
    store.upgrade()
    store.dispose()
    app = feedback_api.create_app(config)
    client = app.test_client()
    assert client.get("/api/health").get_json()["articles"] == 60
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/health", "/api/articles/{article_id}/ratings"} <= set(paths)
    app.extensions["kb_storage"].store.dispose()


def test_the_api_takes_the_reasons_and_flag_kinds_the_pages_offer() -> None:
    """The request models spell them as literal types (for the type checker): the same words."""
    assert get_args(views.Reason) == REASONS
    assert get_args(views.FlagBody.model_fields["kind"].annotation) == FLAG_KINDS
