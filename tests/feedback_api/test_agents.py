"""Agents' ticket links and flags over HTTP, and flags in the writers' backlog."""

from __future__ import annotations

import json

import pytest

from generator.cli import cli
from kbcore.db import article_flags, article_links
from tests.feedback_api.test_ratings import INTERNAL_ARTICLE, assert_error

AGENT = {"Authorization": "Bearer agent-secret"}
ARTICLE = "deskmate-receipt-printer-offline"


@pytest.fixture
def agents(make_portal):
    return make_portal(agent_tokens=("agent-secret",))


def post(client, path, body, headers=AGENT):
    return client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def test_a_ticket_link_is_stored_once(agents):
    first = post(agents.client, f"/api/articles/{ARTICLE}/links", {"ticket_id": "T-1001"})
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.get_json() == {"id": ARTICLE, "links": 1, "open_flags": {}}
    again = post(agents.client, f"/api/articles/{ARTICLE}/links", {"ticket_id": "T-1001"})
    assert again.status_code == 200 and again.get_json()["links"] == 1
    other = post(agents.client, f"/api/articles/{ARTICLE}/links", {"ticket_id": "ZD#2002"})
    assert other.status_code == 201 and other.get_json()["links"] == 2
    assert agents.count(article_links) == 2


def test_internal_articles_exist_for_agents_only(agents):
    linked = post(agents.client, f"/api/articles/{INTERNAL_ARTICLE}/links", {"ticket_id": "T-7"})
    assert linked.status_code == 201
    anonymous = agents.client.post(
        f"/api/articles/{INTERNAL_ARTICLE}/ratings",
        data=json.dumps({"helpful": True, "client_token": "6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f"}),
        content_type="application/json",
    )
    assert_error(anonymous, 404, "not_found")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Authorization: expected an agent token (Bearer …) or an agent login"),
        (
            {"Authorization": "Bearer wrong"},
            "Authorization: expected a valid agent token (Bearer …)",
        ),
        (
            {"Authorization": "Basic agent-secret"},
            "Authorization: expected a valid agent token (Bearer …)",
        ),
    ],
)
def test_links_and_flags_need_an_agent_token(agents, headers, message):
    for path, body in [("links", {"ticket_id": "T-1"}), ("flags", {"kind": "outdated"})]:
        response = post(agents.client, f"/api/articles/{ARTICLE}/{path}", body, headers)
        assert_error(response, 401, "unauthorized", message)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="kb"'
    assert agents.count(article_links) == 0 and agents.count(article_flags) == 0


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("links", {}, "ticket_id: expected a value, found nothing"),
        (
            "links",
            {"ticket_id": "T 1"},
            "ticket_id: expected letters, digits and _ . # : / -, found 'T 1'",
        ),
        ("links", {"ticket_id": "x" * 81}, "ticket_id: expected at most 80 characters, found 81"),
        (
            "flags",
            {"kind": "boring"},
            "kind: expected 'outdated', 'incorrect', 'missing-step' or 'duplicate', found 'boring'",
        ),
        (
            "flags",
            {"kind": "outdated", "note": "n" * 1001},
            "note: expected at most 1000 characters, found 1001",
        ),
        (
            "flags",
            {"kind": "outdated", "note": "a\x00b"},
            "note: expected text, found a control character or an invalid one",
        ),
    ],
)
def test_bad_bodies_name_the_field(agents, path, body, message):
    response = post(agents.client, f"/api/articles/{ARTICLE}/{path}", body)
    assert_error(response, 400, "invalid_body", message)


def test_unknown_article(agents):
    response = post(agents.client, "/api/articles/no-such-article/flags", {"kind": "outdated"})
    assert_error(response, 404, "not_found")


def test_flags_reach_the_backlog_and_resolving_closes_them(agents, runner):
    for kind, note in [
        ("outdated", "3.0 菜单改名了，电话 13800138000"),
        ("outdated", None),
        ("missing-step", "没说要重启"),
    ]:
        response = post(
            agents.client, f"/api/articles/{ARTICLE}/flags", {"kind": kind, "note": note}
        )
        assert response.status_code == 201
    assert response.get_json()["open_flags"] == {"outdated": 2, "missing-step": 1}
    usage = agents.client.get(f"/api/articles/{ARTICLE}/usage", headers=AGENT)
    assert usage.get_json() == {
        "id": ARTICLE,
        "links": 0,
        "open_flags": {"outdated": 2, "missing-step": 1},
    }
    assert [row.note for row in agents.rows(article_flags)][0] == "3.0 菜单改名了，电话 [phone]"

    env = {
        "KB_DATA_DIR": str(agents.settings.data_dir),
        "KB_DATABASE_URL": agents.settings.database_url or "",
    }
    listed = runner.invoke(cli, ["backlog", "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    [item] = [i for i in json.loads(listed.output) if i["flags"]]
    assert item["need"] == f"flag:{ARTICLE}" and item["article_id"] == ARTICLE
    assert item["flags"] == {"outdated": 2, "missing-step": 1}
    assert "missing-step: 没说要重启" in item["examples"]

    done = runner.invoke(cli, ["backlog", "set", item["id"], "resolved"], env=env)
    assert done.exit_code == 0, done.output
    assert {row.status for row in agents.rows(article_flags)} == {"closed"}
    listed = runner.invoke(cli, ["backlog", "--format", "json", "--all"], env=env)
    assert not [i for i in json.loads(listed.output) if i["flags"]]
    usage = agents.client.get(f"/api/articles/{ARTICLE}/usage", headers=AGENT)
    assert usage.get_json()["open_flags"] == {}
