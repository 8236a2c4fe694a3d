"""Every first page of /api/search is logged once, with personal data redacted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, Text, cast, or_
from sqlalchemy.engine import make_url

from kbcore.db import searches

AGENT_TOKEN = "agent-token-for-tests"
PHONE = "13800138000"


def search(portal, q, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = portal.client.get("/api/search", query_string={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_search_is_logged_once_with_personal_data_redacted(portal, database_url):
    before = datetime.now(UTC)
    found = search(portal, f"登录失败 {PHONE}", product="shopease", type="troubleshooting")
    [row] = portal.rows(searches)
    assert row.search_id == found["search_id"]
    assert row.query == "登录失败 [phone]"
    assert row.norm == "登录失败 [phone]"
    assert row.lang == "zh-Hans"
    assert json.loads(row.filters) == {"product": "shopease", "type": "troubleshooting"}
    assert row.total == found["total"] > 0
    assert row.top_ids.split() == [hit["id"] for hit in found["results"][:3]]
    assert row.fallback == found["fallback"]
    assert (row.audience, row.ticket_id) == ("customer", None)
    created = row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC)
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC)

    # The number is nowhere: not in a column, not in the database files, not in the spool.
    text_columns = [c for c in searches.c if isinstance(c.type, String | Text)]
    assert (
        portal.count(searches, or_(*(cast(c, Text).contains(PHONE[3:]) for c in text_columns))) == 0
    )
    if database_url.startswith("sqlite"):
        path = make_url(database_url).database
        for suffix in ("", "-wal"):
            with open(f"{path}{suffix}", "rb") as fh:
                assert PHONE[3:].encode() not in fh.read()
    assert portal.storage.events.pending() == 0


def test_language_and_filters(portal):
    traditional = search(portal, "登錄失敗")
    english = search(portal, "cash drawer", lang="en", per_page=5)
    nothing = search(portal, "xyzzy qwerty")
    rows = {row.search_id: row for row in portal.rows(searches)}
    assert rows[traditional["search_id"]].lang == "zh-Hant"
    assert json.loads(rows[traditional["search_id"]].filters) == {}
    assert rows[english["search_id"]].lang == "en"
    assert json.loads(rows[english["search_id"]].filters) == {"lang": "en"}
    empty = rows[nothing["search_id"]]
    assert (empty.total, empty.top_ids) == (0, "")


def test_agents_are_told_apart(make_portal):
    portal = make_portal(agent_tokens=AGENT_TOKEN)
    agent = search(portal, "同步失败", token=AGENT_TOKEN, ticket_id="T-1001")
    customer = search(portal, "同步失败", ticket_id="T-1002")
    rows = {row.search_id: row for row in portal.rows(searches)}
    assert (rows[agent["search_id"]].audience, rows[agent["search_id"]].ticket_id) == (
        "agent",
        "T-1001",
    )
    assert (rows[customer["search_id"]].audience, rows[customer["search_id"]].ticket_id) == (
        "customer",
        None,
    )


def test_instant_results_and_later_pages_are_not_logged(portal):
    search(portal, "登录", instant="1")
    search(portal, "登录", page="2")
    portal.client.get("/api/suggest", query_string={"q": "登"})
    assert portal.count(searches) == 0
    assert portal.storage.events.pending() == 0
    # Logging works: the same search as a first page is logged.
    found = search(portal, "登录", instant="0")
    assert [row.search_id for row in portal.rows(searches)] == [found["search_id"]]


def test_a_bad_request_is_not_logged(portal):
    response = portal.client.get("/api/search", query_string={"q": "登录", "page": "0"})
    assert response.status_code == 400
    assert portal.count(searches) == 0
