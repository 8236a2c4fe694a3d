"""The agents' portal over HTTP: login, the session cookie, CSRF, and /internal/ behind it."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from kbcore.db import article_flags, article_links
from tests.feedback_api.test_ratings import INTERNAL_ARTICLE

PASSWORD = "correct horse battery"
TOKEN = "agent-token-0001"
PUBLIC = "deskmate-receipt-printer-offline"
INTERNAL_TITLE = "离线同步类工单"  # from deskmate-internal-sync-escalation's title


@pytest.fixture
def agents(make_portal):
    return make_portal(agent_password=PASSWORD, agent_tokens=(TOKEN,))


def login(client, name="李娜", secret=PASSWORD, next_path="/internal/", **headers):
    return client.post(
        "/internal/login",
        data={"name": name, "secret": secret, "next": next_path},
        headers=headers,
    )


def csrf_of(client) -> str:
    response = client.get("/api/agent/session")
    assert response.status_code == 200, response.get_data(as_text=True)
    token: str = response.get_json()["csrf_token"]
    return token


def post_json(client, path, body, **headers):
    return client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.mark.parametrize(
    "path",
    [
        "/internal/",
        f"/internal/articles/{INTERNAL_ARTICLE}/",
        "/internal/articles/no-such-article/",
        "/internal/search/search_index.json",
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_whatever_the_path(agents, path):
    response = agents.client.get(path)
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == "/internal/login"
    assert parse_qs(target.query) == {"next": [path]}
    assert INTERNAL_TITLE not in response.get_data(as_text=True)


def test_the_login_page_is_a_form_in_chinese_and_english(agents):
    page = agents.client.get("/internal/login?next=/internal/articles/x/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'action="/internal/login"' in html and 'value="/internal/articles/x/"' in html
    assert "密码或令牌 · Password or token" in html
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_without_credentials_configured_the_login_says_what_to_set(make_portal):
    page = make_portal().client.get("/internal/login")
    assert page.status_code == 503
    assert "KB_AGENT_PASSWORD" in page.get_data(as_text=True)


def test_a_password_login_sets_a_strict_http_only_cookie_and_opens_the_agents_site(agents):
    response = login(agents.client, next_path=f"/internal/articles/{INTERNAL_ARTICLE}/")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/internal/articles/{INTERNAL_ARTICLE}/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("kb_agent=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"):
        assert attribute in cookie, cookie
    with agents.client.get(f"/internal/articles/{INTERNAL_ARTICLE}/") as page:
        assert page.status_code == 200
        assert INTERNAL_TITLE in page.get_data(as_text=True)
        assert page.headers["Cache-Control"] == "private, no-cache"
    assert agents.client.get("/api/agent/session").get_json()["name"] == "李娜"


def test_the_agents_site_redirects_folders_and_has_its_own_404(agents):
    login(agents.client)
    assert urlsplit(agents.client.get("/internal").headers["Location"]).path == "/internal/"
    folder = agents.client.get("/internal/articles/" + INTERNAL_ARTICLE)
    assert folder.status_code == 308
    assert folder.headers["Location"] == f"/internal/articles/{INTERNAL_ARTICLE}/"
    missing = agents.client.get("/internal/articles/no-such-article/")
    assert missing.status_code == 404 and "/internal/" in missing.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "secret"),
    [("李娜", "wrong password"), ("", PASSWORD), ("李娜", ""), ("李娜", TOKEN + "x")],
)
def test_a_wrong_login_is_refused_with_a_message_and_no_cookie(agents, name, secret):
    response = login(agents.client, name=name, secret=secret)
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
    assert "姓名、密码或令牌不正确。 · Wrong name, password or token." in response.get_data(
        as_text=True
    )
    assert agents.client.get("/internal/").status_code == 303


def test_a_token_logs_in_without_a_name_and_acts_as_that_token(agents):
    assert login(agents.client, name="", secret=TOKEN).status_code == 303
    linked = post_json(
        agents.client,
        f"/api/articles/{PUBLIC}/links",
        {"ticket_id": "T-1"},
        **{"X-CSRF-Token": csrf_of(agents.client)},
    )
    assert linked.status_code == 201
    [row] = agents.rows(article_links)
    assert row.agent == agents.storage.address(f"agent:{TOKEN}")  # as with Bearer


def test_too_many_failed_logins_from_one_address_are_throttled(agents):
    for _ in range(10):
        assert login(agents.client, secret="nope").status_code == 401
    blocked = login(agents.client)  # even the right password, for a while
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 900
    assert "15 分钟后再试" in blocked.get_data(as_text=True)


@pytest.mark.parametrize(
    "wanted",
    ["https://evil.example/", "//evil.example/internal/", "/internal/\\evil", "/api/x", ""],
)
def test_after_login_only_paths_of_the_agents_site_are_followed(agents, wanted):
    assert login(agents.client, next_path=wanted).headers["Location"] == "/internal/"


def test_a_login_posted_from_another_site_is_refused(agents):
    response = login(agents.client, Origin="https://evil.example")
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers


def test_changes_made_with_the_cookie_need_its_csrf_token(agents):
    login(agents.client)
    path = f"/api/articles/{INTERNAL_ARTICLE}/flags"
    missing = post_json(agents.client, path, {"kind": "outdated"})
    assert missing.status_code == 403
    assert missing.get_json()["error"]["code"] == "csrf_failed"
    assert "X-CSRF-Token" in missing.get_json()["error"]["message"]
    wrong = post_json(agents.client, path, {"kind": "outdated"}, **{"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert agents.count(article_flags) == 0
    done = post_json(
        agents.client, path, {"kind": "outdated"}, **{"X-CSRF-Token": csrf_of(agents.client)}
    )
    assert done.status_code == 201, done.get_data(as_text=True)
    [flag] = agents.rows(article_flags)
    assert flag.agent == agents.storage.address("agent-name:李娜")


def test_the_cookie_shows_internal_results_in_search(agents):
    anonymous = agents.client.get("/api/search", query_string={"q": INTERNAL_TITLE})
    assert all("internal" not in hit["id"] for hit in anonymous.get_json()["results"])
    login(agents.client)
    found = agents.client.get("/api/search", query_string={"q": INTERNAL_TITLE})
    assert "deskmate-internal-sync-escalation" in [h["id"] for h in found.get_json()["results"]]


def test_a_forged_or_revoked_session_is_no_session(agents, make_portal):
    login(agents.client)
    cookie = agents.client.get_cookie("kb_agent")
    assert cookie is not None
    agents.client.set_cookie("kb_agent", cookie.value[:-2] + "xx")
    assert agents.client.get("/internal/").status_code == 303
    # The same key, a new password: sessions made with the old one end.
    changed = make_portal(agent_password="a new password 2027")
    changed.client.set_cookie("kb_agent", cookie.value)
    assert changed.client.get("/internal/").status_code == 303
    assert changed.client.get("/api/agent/session").status_code == 401


def test_logging_out_needs_the_csrf_token_and_ends_the_session(agents):
    login(agents.client)
    assert agents.client.post("/internal/logout", data={"csrf_token": "x"}).status_code == 403
    with agents.client.get("/internal/") as home:
        assert home.status_code == 200
    out = agents.client.post("/internal/logout", data={"csrf_token": csrf_of(agents.client)})
    assert out.status_code == 303 and out.headers["Location"] == "/internal/login"
    assert agents.client.get_cookie("kb_agent") is None
    assert agents.client.get("/internal/").status_code == 303


def test_an_agents_click_on_an_internal_result_is_recorded_without_a_csrf_header(agents):
    path = f"/api/searches/{'a' * 32}/clicks"
    body = {"article_id": INTERNAL_ARTICLE}
    assert post_json(agents.client, path, body).status_code == 404  # anonymous: no such article
    login(agents.client)
    assert post_json(agents.client, path, body).status_code == 202  # as sendBeacon sends it
