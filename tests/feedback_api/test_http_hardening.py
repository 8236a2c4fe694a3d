"""Security headers, CORS for the configured site only, request ids, and structured logs."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import Built, copy_data_dir, serving

SITE = "https://help.example.com"
ARTICLE = "deskmate-receipt-printer-offline"
API_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


@pytest.fixture
def hardened(make_portal):
    return make_portal(cors_origins=(SITE,), agent_tokens=("agent-secret",))


def vote(client, **headers):
    body = {"helpful": True, "client_token": str(uuid.uuid4())}
    return client.post(
        f"/api/articles/{ARTICLE}/ratings",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def api_answers(client):
    """One answer of every kind: 200, 201, 400, 401, 404, 405, 413, 415."""
    return {
        200: client.get("/api/search", query_string={"q": "打印机"}),
        201: vote(client),
        400: client.get("/api/search"),
        401: client.get(f"/api/articles/{ARTICLE}/usage"),
        404: client.get("/api/articles/no-such-article/ratings"),
        405: client.delete(f"/api/articles/{ARTICLE}/ratings"),
        413: client.post(
            f"/api/articles/{ARTICLE}/ratings", data="x" * 9000, content_type="application/json"
        ),
        415: client.post(f"/api/articles/{ARTICLE}/ratings", data="x", content_type="text/plain"),
    }


def test_every_api_answer_carries_the_security_headers_and_its_request_id(hardened):
    for status, response in api_answers(hardened.client).items():
        assert response.status_code == status, response.get_data(as_text=True)
        for name, value in API_HEADERS.items():
            assert response.headers.get(name) == value, (status, name)
        assert response.mimetype == "application/json"
        request_id = response.headers["X-Request-Id"]
        assert len(request_id) == 36
        if status >= 400:
            assert response.get_json()["error"]["request_id"] == request_id


def test_a_callers_request_id_is_kept_and_a_bad_one_replaced(hardened):
    kept = hardened.client.get("/api/search?q=x", headers={"X-Request-Id": "ticket-7-abc"})
    assert kept.headers["X-Request-Id"] == "ticket-7-abc"
    bad = hardened.client.get("/api/search", headers={"X-Request-Id": "a\x01b"})
    assert bad.headers["X-Request-Id"] != "a\x01b"
    assert bad.get_json()["error"]["request_id"] == bad.headers["X-Request-Id"]


def test_pages_may_be_framed_by_the_site_only(hardened):
    with hardened.client.get("/") as page:
        assert page.status_code == 200
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
        assert "X-Request-Id" in page.headers


def test_cors_answers_the_configured_site_only(hardened):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    path = f"/api/articles/{ARTICLE}/ratings"
    allowed = hardened.client.options(path, headers={"Origin": SITE, **preflight})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == SITE
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert allowed.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert "Origin" in allowed.headers.get_all("Vary")
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    assert vote(hardened.client, Origin=SITE).headers["Access-Control-Allow-Origin"] == SITE
    for origin in (
        "https://evil.example",
        "null",
        SITE + ".evil.example",
        "http://help.example.com",
    ):
        refused = hardened.client.options(path, headers={"Origin": origin, **preflight})
        assert "Access-Control-Allow-Origin" not in refused.headers, origin
        assert "Access-Control-Allow-Origin" not in vote(hardened.client, Origin=origin).headers
    for response in api_answers(hardened.client).values():
        assert response.headers.get("Access-Control-Allow-Origin") != "*"


def test_without_configured_origins_no_cors_header_is_sent(make_portal):
    portal = make_portal()
    response = portal.client.get("/api/search?q=x", headers={"Origin": SITE})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_json_logs_have_one_line_per_request_without_the_query(built_sample: Built, tmp_path: Path):
    data_dir = copy_data_dir(built_sample, tmp_path / "var")
    log = tmp_path / "serve.log"
    with serving(built_sample.site_dir, data_dir, log, env={"KB_LOG_FORMAT": "json"}) as base:
        request = urllib.request.Request(
            base + "/api/search?q=" + urllib.parse.quote("13812345678 打印机"),
            headers={"X-Request-Id": "trace-42"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    lines = [
        json.loads(line) for line in log.read_text("utf-8").splitlines() if line.startswith("{")
    ]
    [entry] = [e for e in lines if e.get("request_id") == "trace-42"]
    assert entry["logger"] == "kb.access" and entry["level"] == "INFO"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/api/search", 200)
    assert isinstance(entry["ms"], float) and entry["time"]
    assert "13812345678" not in log.read_text("utf-8")
