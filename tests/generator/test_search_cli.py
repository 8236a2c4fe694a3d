"""`kb search` through the CLI runner, on the sample knowledge base built once per session."""

from __future__ import annotations

import json

from generator.cli import cli
from kbcore.db import open_store
from tests.conftest import copy_data_dir


def kb_search(runner, data_dir, *args):
    return runner.invoke(cli, ["search", *args], env={"KB_DATA_DIR": str(data_dir)})


def test_search_prints_ranked_results_with_urls_and_ids(runner, built_sample):
    result = kb_search(runner, built_sample.data_dir, "打印机连不上", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "[deskmate-receipt-printer-offline]" in result.output
    assert "/articles/deskmate-receipt-printer-offline/" in result.output
    assert result.output.count("\n1. ") == 1 and "\n4. " not in result.output


def test_json_output_filters_and_traditional_queries(runner, built_sample):
    result = kb_search(
        runner, built_sample.data_dir, "出單機連不上", "--product", "deskmate", "--json"
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["query"] == "出单机连不上"
    assert body["results"][0]["id"].startswith("deskmate-receipt-printer-offline")
    assert {hit["product"] for hit in body["results"]} == {"deskmate"}
    assert "<mark>" in body["results"][0]["snippet"]


def test_internal_articles_only_with_internal(runner, built_sample):
    query = "同步问题转二线 sync日志怎么看"
    public = json.loads(kb_search(runner, built_sample.data_dir, query, "--json").output)
    agent = json.loads(
        kb_search(runner, built_sample.data_dir, query, "--internal", "--json").output
    )
    internal = "deskmate-internal-sync-escalation"
    assert public["results"] and internal not in [hit["id"] for hit in public["results"]]
    assert agent["results"][0]["id"] == internal


def test_bad_query_and_missing_index(runner, built_sample, tmp_path):
    result = kb_search(runner, built_sample.data_dir, "   ")
    assert result.exit_code == 2
    assert "Invalid value for QUERY: expected 1 to 200 characters, found 0" in result.output
    result = kb_search(runner, tmp_path / "nothing", "打印机")
    assert result.exit_code == 1
    assert "kb build" in result.output


def test_agent_searches_are_logged_with_their_ticket(runner, built_sample, tmp_path):
    data_dir = copy_data_dir(built_sample, tmp_path / "var")  # without other tests' searches
    kb_search(runner, data_dir, "打印机连不上")
    assert not (data_dir / "kb.sqlite").exists()  # no store yet: nothing created
    store = open_store(None, data_dir)
    store.upgrade()
    result = kb_search(
        runner, data_dir, "打印机连不上 13800138000", "--internal", "--ticket", "T-1"
    )
    assert result.exit_code == 0, result.output
    with store.reading() as conn:
        rows = conn.exec_driver_sql("SELECT query, audience, ticket_id FROM searches").all()
    store.dispose()
    assert [tuple(r) for r in rows] == [("打印机连不上 [phone]", "agent", "T-1")]
