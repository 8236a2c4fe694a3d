"""`kb backlog` (and `set`), `kb purge` and `kb db upgrade` over searches made through HTTP."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import insert

from generator.cli import cli
from generator.data_cli import propose_after_build
from kbcore.backlog import item_id
from kbcore.db import clicks, open_store, ratings, searches
from kbcore.events import ClickEvent, EventLog, SearchEvent

LOGIN = ["登陆失败", "登錄失敗", "登录 失败"]  # one need, three phrasings
FORMULAS = ["=SUM(A1) 登录", "+ 发票", "-2147467259 安装", "@admin 密码"]


def kb(portal, *args: str):
    """Run `kb` with the portal's data dir and database."""
    env = {
        "KB_DATA_DIR": str(portal.settings.data_dir),
        "KB_DATABASE_URL": portal.settings.database_url,
    }
    return CliRunner().invoke(cli, list(args), env=env)


def search(portal, q: str, **params) -> Any:
    response = portal.client.get("/api/search", query_string={"q": q, **params})
    assert response.status_code == 200
    return response.get_json()


def old_search(portal, q: str, days: int, **more) -> SearchEvent:
    """A search made ``days`` ago (written as the search API would have)."""
    event = SearchEvent(
        search_id=uuid.uuid4().hex,
        query=q,
        norm=q,
        lang="zh-Hans",
        filters={},
        total=0,
        top_ids=[],
        fallback=None,
        audience="customer",
        created_at=datetime.now(UTC) - timedelta(days=days),
        **more,
    )
    EventLog(portal.storage.store, Path(portal.settings.data_dir) / "spool").search(event)
    return event


@pytest.fixture
def seeded(portal):
    """Searches of a few needs: some unresolved, one answered by a click."""
    for q in LOGIN:
        search(portal, q)
    answered = search(portal, "打印机 不出纸")
    response = portal.client.post(
        f"/api/searches/{answered['search_id']}/clicks",
        json={"article_id": answered["results"][0]["id"]},
    )
    assert response.status_code == 202
    # Clicked, then rated "not helpful": unresolved after all.
    unhelpful = search(portal, "钱箱 不弹出")
    article = unhelpful["results"][0]["id"]
    portal.client.post(
        f"/api/searches/{unhelpful['search_id']}/clicks", json={"article_id": article}
    )
    vote = {
        "helpful": False,
        "client_token": str(uuid.uuid4()),
        "search_id": unhelpful["search_id"],
    }
    assert portal.client.post(f"/api/articles/{article}/ratings", json=vote).status_code == 201
    search(portal, "xyzzy qwerty")
    return portal


def backlog_json(portal, *args: str) -> Any:
    result = kb(portal, "backlog", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def by_example(items: list[Any]) -> dict[str, Any]:
    return {example: item for item in items for example in item["examples"]}


def test_backlog_groups_needs(seeded):
    items = backlog_json(seeded)
    assert len(items) == 3
    login = items[0]  # most searched first
    assert sorted(login["examples"]) == sorted(LOGIN)
    assert login["id"] == item_id(login["need"])
    assert {k: login[k] for k in ("searches", "no_results", "not_clicked", "not_helpful")} == {
        "searches": 3,
        "no_results": 0,
        "not_clicked": 3,
        "not_helpful": 0,
    }
    assert login["langs"] == {"zh-Hans": 2, "zh-Hant": 1}
    assert (login["status"], login["article_id"], login["proposed_article_id"]) == (
        "open",
        None,
        None,
    )
    assert login["first_seen"] <= login["last_seen"]
    found = by_example(items)
    assert "打印机 不出纸" not in found  # answered
    assert {k: found["钱箱 不弹出"][k] for k in ("searches", "not_clicked", "not_helpful")} == {
        "searches": 1,
        "not_clicked": 0,
        "not_helpful": 1,
    }
    assert {k: found["xyzzy qwerty"][k] for k in ("searches", "no_results")} == {
        "searches": 1,
        "no_results": 1,
    }


def test_backlog_by_language_and_age(seeded):
    [item] = backlog_json(seeded, "--lang", "zh-Hant")
    assert (item["examples"], item["searches"]) == (["登錄失敗"], 1)

    old_search(seeded, "发票 抬头 错了", days=40)
    assert "发票 抬头 错了" in by_example(backlog_json(seeded))
    recent = by_example(backlog_json(seeded, "--since", "30d"))
    assert "发票 抬头 错了" not in recent and "登陆失败" in recent

    result = kb(seeded, "backlog", "--since", "a month")
    assert result.exit_code == 2
    assert (
        "Error: Invalid value for --since: expected a duration such as 180d, 12h or 2w, "
        "found 'a month'" in result.output
    )


def test_backlog_as_a_table(seeded):
    result = kb(seeded, "backlog")
    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.splitlines()
    assert re.split(r"\s{2,}", header) == [
        "id",
        "searches",
        "no results",
        "not clicked",
        "not helpful",
        "last seen",
        "status",
        "examples",
    ]
    login = next(item for item in backlog_json(seeded) if item["searches"] == 3)
    cells = re.split(r"\s{2,}", lines[0])
    assert cells[:5] == [login["id"], "3", "0", "3", "0"]
    assert cells[5] == datetime.now(UTC).strftime("%Y-%m-%d")
    assert cells[6] == "open"
    assert sorted(cells[7].split(" / ")) == sorted(LOGIN)
    assert len(lines) == 3


def test_backlog_as_csv_is_safe_in_a_spreadsheet(portal):
    for q in FORMULAS:
        search(portal, q)
    result = kb(portal, "backlog", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "id",
        "need",
        "searches",
        "no_results",
        "not_clicked",
        "not_helpful",
        "first_seen",
        "last_seen",
        "examples",
        "filters",
        "langs",
        "flags",
        "status",
        "article_id",
        "proposed_article_id",
    ]
    assert sorted(row["examples"] for row in rows) == sorted("'" + q for q in FORMULAS)
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@")), row
        assert row["searches"] == "1" and row["langs"] == "zh-Hans×1"


def test_backlog_as_csv_with_filters(seeded):
    search(seeded, "登陆失败", product="shopease")
    rows = list(csv.DictReader(io.StringIO(kb(seeded, "backlog", "--format", "csv").stdout)))
    login = next(row for row in rows if row["searches"] == "4")
    assert login["filters"] == "product=shopease×1"
    assert sorted(login["examples"].split(" | ")) == sorted(set(LOGIN))


def test_backlog_set(seeded):
    login = backlog_json(seeded)[0]
    result = kb(seeded, "backlog", "set", login["id"], "planned", "--article", "shopease-login")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{login['id']}: planned by shopease-login\n"
    planned = by_example(backlog_json(seeded, "--all"))["登陆失败"]
    assert (planned["status"], planned["article_id"]) == ("planned", "shopease-login")
    assert by_example(backlog_json(seeded))["登陆失败"]["status"] == "planned"

    # A prefix of the id is enough; resolved items leave the default list.
    result = kb(seeded, "backlog", "set", login["id"][:4], "resolved")
    assert result.stdout == f"{login['id']}: resolved\n"
    assert "登陆失败" not in by_example(backlog_json(seeded))
    assert by_example(backlog_json(seeded, "--all"))["登陆失败"]["status"] == "resolved"

    result = kb(seeded, "backlog", "set", "ffffffff", "planned")
    assert result.exit_code == 2
    assert "Invalid value for ITEM: expected the id of one backlog item, found no item" in (
        result.output
    )
    result = kb(seeded, "backlog", "set", login["id"], "later")
    assert result.exit_code == 2
    assert "'later' is not one of 'open', 'planned', 'resolved', 'dismissed'" in result.output


def test_a_build_proposes_the_article_that_now_answers(portal):
    for q in LOGIN:
        search(portal, q)  # the index answers these the same way today: nothing to propose
    old = old_search(portal, "钱箱 不弹出", days=3)  # found nothing back then
    proposals = propose_after_build(portal.settings)
    answer = search(portal, "钱箱 不弹出")["results"][0]["id"]
    item = by_example(backlog_json(portal))["钱箱 不弹出"]
    assert proposals == (
        "Backlog: 1 open items now find an article in the top 3\n"
        f"  {item['id']} {old.query!r} → {answer}"
    )
    assert item["proposed_article_id"] == answer
    table = kb(portal, "backlog").stdout
    assert f"open → {answer}?" in table


def test_purge(portal):
    old = old_search(portal, "发票 抬头 错了", days=200)
    EventLog(portal.storage.store, Path("unused")).click(
        ClickEvent(old.search_id, "shopease-login", created_at=old.created_at)
    )
    kept = search(portal, "登录 失败")
    now = datetime.now(UTC)
    with portal.storage.store.writing() as conn:
        for n, age in enumerate((200, 10)):  # an old comment and a recent one
            when = now - timedelta(days=age)
            conn.execute(
                insert(ratings).values(
                    article_id="shopease-login",
                    client_token=f"00000000-0000-4000-8000-00000000000{n}",
                    helpful=False,
                    reason="unclear",
                    comment=f"comment {age} days old",
                    address="x",
                    created_at=when,
                    updated_at=when,
                )
            )
    result = kb(portal, "purge", "--older-than", "180d")
    assert result.exit_code == 0, result.output
    match = re.fullmatch(
        r"Deleted 1 searches and 1 clicks, and cleared 1 rating comments, from before "
        r"(\d{4}-\d\d-\d\d \d\d:\d\d) UTC\n",
        result.stdout,
    )
    assert match, result.stdout
    cutoff = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert abs(cutoff - (datetime.now(UTC) - timedelta(days=180))) < timedelta(minutes=2)
    assert [row.search_id for row in portal.rows(searches)] == [kept["search_id"]]
    assert portal.count(clicks) == 0
    votes = {row.client_token[-1]: (row.comment, row.helpful) for row in portal.rows(ratings)}
    assert votes == {"0": (None, False), "1": ("comment 10 days old", False)}  # votes stay

    result = kb(portal, "purge", "--older-than", "6 months")
    assert result.exit_code == 2
    assert "expected a duration such as 180d, 12h or 2w, found '6 months'" in result.output


def test_db_upgrade_and_a_database_behind(database_url, data_dir):
    env = {"KB_DATA_DIR": str(data_dir), "KB_DATABASE_URL": database_url}
    display = open_store(database_url, data_dir).display_url()
    result = CliRunner().invoke(cli, ["backlog"], env=env)
    assert result.exit_code == 1
    assert (
        f"{display}: expected schema revision 0003, found an empty database (run `kb db upgrade`)"
        in result.output
    )
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{display}: schema at revision 0003\n"
    result = CliRunner().invoke(cli, ["backlog", "--format", "json"], env=env)
    assert (result.exit_code, result.stdout) == (0, "[]\n")
