"""A minute of mixed load on gunicorn (2 workers): no error, and nothing acknowledged is lost.

Slow (about 70 s per database backend): run with ``pytest -m slow``.
"""

from __future__ import annotations

import pytest

from bench.load import MIX, format_report, measure
from kbcore.manifest import read_manifest
from tests.conftest import copy_data_dir

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

SECONDS = 60


def test_a_minute_of_mixed_load(database_url, built_sample, tmp_path):
    data = copy_data_dir(built_sample, tmp_path / "var")
    ids = [a.id for a in read_manifest(data).articles if a.audience == "public"]
    backend = database_url.partition(":")[0]
    report = measure(backend, data, database_url, SECONDS, ids, tmp_path / "gunicorn.log")
    print(format_report(report))

    # No 5xx, no other unexpected status, no connection error, warm-up included.
    assert report.errors == {} and report.warmup_errors == {}
    assert report.error_rate == 0
    assert report.seconds >= SECONDS
    # The mix was sent: every kind, in about its share (5 % ratings are the fewest).
    total = report.requests
    assert total > 10 * sum(MIX.values())
    for kind, weight in MIX.items():
        share = report.sent[kind] / total
        assert 0.5 * weight / 100 < share < 1.5 * weight / 100, (kind, share)
    assert report.zero_hit_found == 0
    # Reconciled after gunicorn stopped: told == stored, for ratings, searches and clicks.
    checks = {check.name: check for check in report.checks}
    assert set(checks) == {"ratings", "searches", "clicks"}
    for check in checks.values():
        assert (check.missing, check.unexpected) == (0, 0), check
        assert check.told == check.stored > 0
    # What the clients were told covers the warm-up too, so at least every timed request.
    assert checks["ratings"].told >= report.sent["rating"]
    assert checks["searches"].told >= report.sent["search"] + report.sent["zero-hit"]
    assert checks["clicks"].told >= report.sent["click"]
