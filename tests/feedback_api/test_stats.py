"""`kb stats`: article values and the review queue, from evidence stored through the API."""

from __future__ import annotations

import json
import math
import re
import uuid

import pytest

from generator.cli import cli
from kbcore.ratings import wilson_lower_bound
from tests.conftest import SAMPLE_KB

AGENT = {"Authorization": "Bearer agent-secret"}
PRINTER = "deskmate-receipt-printer-offline"
DRAWER = "deskmate-cash-drawer-not-opening"


@pytest.fixture
def agents(make_portal):
    return make_portal(agent_tokens=("agent-secret",), rating_limit_per_address=1000)


def stats(runner, portal, *args):
    env = {
        "KB_DATA_DIR": str(portal.settings.data_dir),
        "KB_DATABASE_URL": portal.settings.database_url or "",
    }
    result = runner.invoke(
        cli, ["stats", "--kb", str(SAMPLE_KB), "--format", "json", "--limit", "500", *args], env=env
    )
    assert result.exit_code == 0, result.output
    return {row["id"]: row for row in json.loads(result.output)}


def vote(portal, article, helpful):
    body = {"helpful": helpful, "client_token": str(uuid.uuid4())}
    assert portal.client.post(f"/api/articles/{article}/ratings", json=body).status_code == 201


def test_values_and_the_review_queue(agents, runner):
    search = agents.client.get("/api/search", query_string={"q": "小票打印机连不上"}).get_json()
    for _ in range(3):  # three readers opened it from three searches
        sid = agents.client.get("/api/search", query_string={"q": "打印机 脱机"}).get_json()
        agents.client.post(f"/api/searches/{sid['search_id']}/clicks", json={"article_id": PRINTER})
    agents.client.post(f"/api/searches/{search['search_id']}/clicks", json={"article_id": PRINTER})
    for ticket in ("T-1", "T-2"):
        agents.client.post(
            f"/api/articles/{PRINTER}/links", json={"ticket_id": ticket}, headers=AGENT
        )
    for helpful in (True, True, True, False):
        vote(agents, PRINTER, helpful)
    for helpful in (False, False, True):
        vote(agents, DRAWER, helpful)
    agents.client.post(f"/api/articles/{DRAWER}/flags", json={"kind": "outdated"}, headers=AGENT)

    rows = stats(runner, agents)
    printer = rows[PRINTER]
    assert (printer["opened"], printer["links"], printer["helpful"], printer["not_helpful"]) == (
        4,
        2,
        3,
        1,
    )
    demand = math.log2(1 + 4) + 2 * math.log2(1 + 2)
    assert printer["value"] == pytest.approx(demand * wilson_lower_bound(3, 4), abs=0.001)
    assert list(rows)[0] == PRINTER  # the most valuable first
    drawer = rows[DRAWER]
    assert drawer["open_flags"] == 1 and drawer["value"] == 0.0  # nobody opened it
    assert "1 open flag" in drawer["review"] and "2 of 3 votes not helpful" in drawer["review"]
    assert "powerbill-daily-settlement-pb2305" not in rows  # a draft: not scored
    assert "deskmate-internal-sync-escalation" in rows  # agents' articles are

    queue = stats(runner, agents, "--review")
    assert DRAWER in queue and PRINTER not in queue
    assert all(row["review"] for row in queue.values())

    # The report shows the same queue, in the same order.
    out = agents.settings.data_dir.parent / "report.html"
    env = {
        "KB_DATA_DIR": str(agents.settings.data_dir),
        "KB_DATABASE_URL": agents.settings.database_url or "",
    }
    result = runner.invoke(cli, ["report", "--kb", str(SAMPLE_KB), "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    table = out.read_text("utf-8").split('<table id="queue">')[1].split("</table>")[0]
    shown = re.findall(r'data-article="([^"]+)"', table)
    assert shown == list(queue)[: len(shown)] and DRAWER in shown


def test_stats_needs_the_database(runner, data_dir):
    result = runner.invoke(
        cli, ["stats", "--kb", str(SAMPLE_KB)], env={"KB_DATA_DIR": str(data_dir)}
    )
    assert result.exit_code == 1
    assert "expected schema revision" in result.output and "kb db upgrade" in result.output
