"""The feedback store on SQLite and PostgreSQL: schema, votes, caps, events, spool, redaction."""

from __future__ import annotations

import json
import math
import os
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select

from kbcore.analysis import normalize
from kbcore.backlog import need_key
from kbcore.db import (
    DatabaseError,
    Store,
    clicks,
    database_url,
    metadata,
    ratings,
    searches,
)
from kbcore.events import ClickEvent, EventLog, SearchEvent, purge
from kbcore.index import index_root, open_current
from kbcore.ratings import RateLimited, RatingLimits, Vote, record_vote, wilson_lower_bound
from kbcore.redact import Redactor
from kbcore.search import SearchEngine

HEAD = "0003"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url):
    """A migrated, empty store of each backend."""
    opened = Store(database_url, busy_timeout_ms=2000)
    opened.upgrade()
    yield opened
    opened.dispose()


def count(store: Store, table, *where) -> int:
    with store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def vote(article: str = "a", token: str | None = None, *, helpful: bool = True, **more) -> Vote:
    fields = {
        "article_id": article,
        "helpful": helpful,
        "reason": None,
        "comment": None,
        "client_token": token or str(uuid.uuid4()),
        "search_id": None,
        "address": "addr-1",
        **more,
    }
    return Vote(**fields)


def search_event(search_id: str | None = None, **more) -> SearchEvent:
    fields = {
        "search_id": search_id or uuid.uuid4().hex,
        "query": "登录失败 [phone]",
        "norm": "登录失败 [phone]",
        "lang": "zh-Hans",
        "filters": {"product": "shopease"},
        "total": 0,
        "top_ids": [],
        "fallback": None,
        "audience": "customer",
        **more,
    }
    return SearchEvent(**fields)


# --- schema -------------------------------------------------------------------------------------


def test_migrations_create_exactly_the_declared_tables(database_url):
    store = Store(database_url)
    try:
        assert store.revision() is None
        assert store.upgrade() == HEAD
        assert store.upgrade() == HEAD  # a second upgrade has nothing to do
        assert set(inspect(store.engine).get_table_names()) == {*metadata.tables, "alembic_version"}
        with store.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            assert compare_metadata(context, metadata) == []
        store.check_schema()
    finally:
        store.dispose()


def test_check_schema_on_an_empty_database(database_url):
    store = Store(database_url)
    try:
        with pytest.raises(DatabaseError) as caught:
            store.check_schema()
    finally:
        store.dispose()
    assert str(caught.value) == (
        f"{store.display_url()}: expected schema revision {HEAD}, found an empty database "
        "(run `kb db upgrade`)"
    )
    if database_url.startswith("sqlite"):
        assert store.display_url() == database_url


def test_display_url_hides_the_password():
    store = Store("postgresql+psycopg://kb:s3cret@db.internal/kb")
    assert store.display_url() == "postgresql+psycopg://kb:***@db.internal/kb"
    assert "s3cret" in store.url  # the driver still gets it


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("postgresql://kb@db/kb", "postgresql+psycopg://kb@db/kb"),
        ("postgres://kb:pw@db:5433/kb", "postgresql+psycopg://kb:pw@db:5433/kb"),
        ("sqlite:////srv/kb.sqlite", "sqlite:////srv/kb.sqlite"),
    ],
)
def test_database_url(configured, expected, tmp_path):
    assert database_url(configured, tmp_path) == expected


def test_database_url_defaults_to_sqlite_in_the_data_dir(tmp_path):
    assert database_url(None, tmp_path) == f"sqlite:///{tmp_path.resolve() / 'kb.sqlite'}"


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        (
            "mysql://kb@db/kb",
            "KB_DATABASE_URL: expected a sqlite:/// or postgresql:// URL, found mysql://",
        ),
        (
            "db.internal",
            "KB_DATABASE_URL: expected a URL such as postgresql://user@host/db, "
            "found 'db.internal'",
        ),
    ],
)
def test_database_url_errors(configured, message, tmp_path):
    with pytest.raises(DatabaseError) as caught:
        database_url(configured, tmp_path)
    assert str(caught.value) == message


def test_votes_wait_for_the_disk_events_only_for_the_process(database_url):
    """Ratings are durable against a power cut; search and click events against a crash of the
    process; both wait for locks (SQLite's busy timeout, PostgreSQL's lock timeout)."""
    store = Store(database_url, busy_timeout_ms=1234, event_timeout_ms=56)
    if store.backend == "sqlite":
        show: tuple[str, ...] = ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        query = "PRAGMA {}"
        votes = {"journal_mode": "wal", "synchronous": 2, "busy_timeout": 1234, "foreign_keys": 1}
        events = {**votes, "synchronous": 1, "busy_timeout": 56}
    else:
        show = ("synchronous_commit", "lock_timeout")
        query = "SHOW {}"
        votes = {"synchronous_commit": "on", "lock_timeout": "1234ms"}
        events = {"synchronous_commit": "off", "lock_timeout": "56ms"}
    try:
        found = []
        for engine in (store.engine, store.events_engine):
            with engine.connect() as conn:
                found.append({n: conn.exec_driver_sql(query.format(n)).scalar() for n in show})
    finally:
        store.dispose()
    assert found == [votes, events]


# --- votes --------------------------------------------------------------------------------------

LIMITS = RatingLimits(per_client=30, per_address=120, window_s=3600)


def test_a_second_vote_changes_the_first(store):
    token = str(uuid.uuid4())
    created, summary = record_vote(store, vote("a", token), LIMITS, now=T0)
    assert created and (summary.helpful, summary.not_helpful) == (1, 0)
    created, summary = record_vote(
        store, vote("a", token, helpful=False, reason="outdated", comment="旧了"), LIMITS, now=T0
    )
    assert not created
    assert (summary.helpful, summary.not_helpful, summary.reasons["outdated"]) == (0, 1, 1)
    assert count(store, ratings) == 1
    with store.reading() as conn:
        row = conn.execute(select(ratings)).one()
    assert (row.helpful, row.reason, row.comment) == (False, "outdated", "旧了")
    # The same token on another article is another vote.
    assert record_vote(store, vote("b", token), LIMITS, now=T0)[0]
    assert count(store, ratings) == 2


def test_summary_counts_and_reasons(store):
    for helpful, reason in [(True, None)] * 3 + [(False, "unclear"), (False, None)]:
        record_vote(store, vote("a", helpful=helpful, reason=reason), LIMITS, now=T0)
    record_vote(store, vote("other", helpful=False, reason="outdated"), LIMITS, now=T0)
    summary = record_vote(store, vote("a"), LIMITS, now=T0)[1]
    assert summary.id == "a"
    assert (summary.helpful, summary.not_helpful) == (4, 2)
    assert summary.helpful_ratio == pytest.approx(4 / 6, abs=1e-4)
    assert summary.wilson_lower_bound == pytest.approx(wilson_by_inversion(4, 6), abs=1e-4)
    assert summary.reasons == {
        "outdated": 0,
        "incorrect": 0,
        "unclear": 1,
        "did-not-solve": 0,
        "wrong-product": 0,
    }


def test_cap_per_client(store):
    limits = RatingLimits(per_client=2, per_address=100, window_s=3600)
    token = str(uuid.uuid4())
    record_vote(store, vote("a", token), limits, now=T0)
    record_vote(store, vote("b", token), limits, now=T0 + timedelta(seconds=100))
    with pytest.raises(RateLimited) as caught:
        record_vote(store, vote("c", token), limits, now=T0 + timedelta(seconds=600))
    # The oldest vote of the window leaves it 3600 s after it was made.
    assert caught.value.retry_after == 3000
    assert str(caught.value) == "client_token: at most 2 articles rated per window"
    # Changing a vote already given is not a new vote: allowed at the cap.
    assert not record_vote(
        store, vote("a", token, helpful=False), limits, now=T0 + timedelta(seconds=700)
    )[0]
    # Once the first vote has left the window, there is room again.
    assert record_vote(store, vote("c", token), limits, now=T0 + timedelta(seconds=3601))[0]
    assert count(store, ratings) == 3


def test_cap_per_address(store):
    limits = RatingLimits(per_client=30, per_address=3, window_s=600)
    for n in range(3):
        record_vote(store, vote("a", address="addr-9"), limits, now=T0 + timedelta(seconds=n))
    with pytest.raises(RateLimited) as caught:
        record_vote(store, vote("a", address="addr-9"), limits, now=T0 + timedelta(seconds=10))
    assert caught.value.retry_after == 590
    assert str(caught.value) == "address: at most 3 articles rated per window"
    # Other addresses are not affected.
    assert record_vote(store, vote("a", address="addr-10"), limits, now=T0)[0]
    assert count(store, ratings, ratings.c.address == "addr-9") == 3


def test_retry_after_is_never_zero(store):
    limits = RatingLimits(per_client=1, per_address=100, window_s=60)
    token = str(uuid.uuid4())
    record_vote(store, vote("a", token), limits, now=T0)
    with pytest.raises(RateLimited) as caught:
        record_vote(store, vote("b", token), limits, now=T0 + timedelta(seconds=59.9))
    assert caught.value.retry_after == 1


# --- the Wilson lower bound ---------------------------------------------------------------------


def wilson_by_inversion(positive: int, total: int) -> float:
    """The smallest share the score test at 95 % does not reject, found by bisection."""
    if total == 0:
        return 0.0
    z = NormalDist().inv_cdf(0.975)
    observed = positive / total
    low, high = 0.0, observed
    for _ in range(200):
        mid = (low + high) / 2
        score = math.inf if mid <= 0 else (observed - mid) / math.sqrt(mid * (1 - mid) / total)
        low, high = (mid, high) if score > z else (low, mid)
    return high


@pytest.mark.parametrize(
    ("positive", "total", "published"),
    [(0, 0, 0.0), (0, 5, 0.0), (1, 1, 0.2065), (9, 10, 0.5958), (90, 100, 0.8256)],
)
def test_wilson_lower_bound_known_values(positive, total, published):
    assert wilson_lower_bound(positive, total) == pytest.approx(published, abs=1e-4)
    assert wilson_lower_bound(positive, total) == pytest.approx(
        wilson_by_inversion(positive, total), abs=1e-4
    )


@pytest.mark.parametrize(("positive", "total"), [(3, 7), (50, 51), (1, 40), (500, 1000)])
def test_wilson_lower_bound_matches_the_score_test(positive, total):
    assert wilson_lower_bound(positive, total) == pytest.approx(
        wilson_by_inversion(positive, total), abs=1e-4
    )


# --- events, the spool and its replay -----------------------------------------------------------


@pytest.fixture
def broken_store(database_url, tmp_path):
    """A store of the same backend that cannot be written: no database behind the URL."""
    if database_url.startswith("sqlite"):
        folder = tmp_path / "a-folder-not-a-file"
        folder.mkdir()
        broken = Store(f"sqlite:///{folder}", busy_timeout_ms=100)
    else:
        broken = Store("postgresql+psycopg://postgres@127.0.0.1:1/test", busy_timeout_ms=100)
    yield broken
    broken.dispose()


def spooled_lines(spool: Path) -> list[Any]:
    return [
        json.loads(line)
        for path in sorted(spool.glob("*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
    ]


def test_a_failed_event_is_spooled_then_replayed_once(store, broken_store, tmp_path):
    spool = tmp_path / "spool"
    event = search_event(total=2, top_ids=["x", "y"], created_at=T0)
    EventLog(broken_store, spool).search(event)  # never raises
    lines = spooled_lines(spool)
    assert [(line["kind"], line["row"]["search_id"]) for line in lines] == [
        ("search", event.search_id)
    ]
    [path] = spool.glob("*.jsonl")
    assert path.name == f"events-{os.getpid()}.jsonl"
    saved = path.read_bytes()

    log = EventLog(store, spool)
    assert log.pending() == 1
    assert log.replay() == 1
    assert log.pending() == 0 and not list(spool.glob("*.jsonl"))
    assert log.replay() == 0
    with store.reading() as conn:
        row = conn.execute(select(searches)).one()
    assert row.search_id == event.search_id
    assert (row.query, row.total, row.top_ids, row.audience) == (
        "登录失败 [phone]",
        2,
        "x y",
        "customer",
    )
    assert json.loads(row.filters) == {"product": "shopease"}
    assert row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC) == T0

    # A process that died after storing the spool but before deleting it replays it again.
    path.write_bytes(saved)
    assert log.replay() == 1
    assert count(store, searches) == 1


def test_the_next_stored_event_replays_the_spool(store, broken_store, tmp_path):
    spool = tmp_path / "spool"
    broken = EventLog(broken_store, spool)
    first = search_event()
    broken.search(first)
    broken.click(ClickEvent(first.search_id, "shopease-login-password"))
    assert broken.pending() == 2

    log = EventLog(store, spool)
    log.search(search_event())  # stored, and then the spool is replayed
    assert log.pending() == 0
    assert count(store, searches) == 2
    assert count(store, clicks, clicks.c.search_id == first.search_id) == 1


def test_a_torn_last_line_is_skipped(store, broken_store, tmp_path):
    spool = tmp_path / "spool"
    broken = EventLog(broken_store, spool)
    events = [search_event(), search_event()]
    for event in events:
        broken.search(event)
    [path] = spool.glob("*.jsonl")
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"kind": "search", "row": {"search_id": "abc')  # a crash mid-write
    assert EventLog(store, spool).replay() == 2
    with store.reading() as conn:
        stored = set(conn.execute(select(searches.c.search_id)).scalars())
    assert stored == {e.search_id for e in events}
    assert not path.exists()


def test_the_spool_of_a_live_process_is_left_to_it(store, broken_store, tmp_path):
    spool = tmp_path / "spool"
    EventLog(broken_store, spool).search(search_event())
    other = subprocess.Popen(["sleep", "60"])
    try:
        [path] = spool.glob("*.jsonl")
        theirs = path.rename(spool / f"events-{other.pid}.jsonl")
        log = EventLog(store, spool)
        assert log.replay() == 0  # it may still be appending
        assert theirs.exists()
    finally:
        other.kill()
        other.wait()
    assert log.replay() == 1
    assert count(store, searches) == 1


def test_purge_deletes_old_searches_and_their_clicks_only(store):
    now = datetime.now(UTC)
    old = search_event(created_at=now - timedelta(days=200))
    new = search_event(created_at=now - timedelta(days=2))
    log = EventLog(store, Path("unused-spool"))
    for event in (old, new):
        log.search(event)
        log.click(ClickEvent(event.search_id, "a", created_at=event.created_at))
    record_vote(store, vote("a", search_id=old.search_id), LIMITS, now=now - timedelta(days=199))

    assert purge(store, now - timedelta(days=180)) == (1, 1)
    with store.reading() as conn:
        assert list(conn.execute(select(searches.c.search_id)).scalars()) == [new.search_id]
        assert list(conn.execute(select(clicks.c.search_id)).scalars()) == [new.search_id]
    assert count(store, ratings) == 1  # votes are not events: they stay
    assert purge(store, now - timedelta(days=180)) == (0, 0)


# --- personal data ------------------------------------------------------------------------------

REDACTOR = Redactor([r"SO\d{12}", r"ORD-\d{6,}"])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("邮箱 li.na+kb@example.com.cn 谢谢", "邮箱 [email] 谢谢"),
        ("联系zhang.san@qq.com谢谢", "联系[email]谢谢"),
        ("电话13800138000请回电", "电话[phone]请回电"),
        ("+86 138 0013 8000", "[phone]"),
        ("+86-138-0013-8000 打不通", "[phone] 打不通"),
        ("+8613800138000", "[phone]"),
        ("手机 138 0013 8000", "手机 [phone]"),
        ("座机 010-12345678", "座机 [phone]"),
        ("(021) 1234 5678", "[phone]"),
        ("0755 8888 6666 转 2", "[phone] 转 2"),
        ("call +1 415 555 0100", "call [phone]"),
        ("+44-20-7946-0958", "[phone]"),
        ("+81 3-1234-5678", "[phone]"),
        ("身份证 110105199003071234", "身份证 [id]"),
        ("身份证11010519900307123X", "身份证[id]"),
        ("订单 SO202611240001 没发货", "订单 [order] 没发货"),
        ("ORD-1234567 refund", "[order] refund"),
    ],
)
def test_personal_data_is_redacted(typed, stored):
    assert REDACTOR(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "0x80070005",
        "E1042",
        "-2147467259",
        "2147467259",
        "-1073741819",
        "2024.11.3",
        "v2024.11.3",
        "10.0.19045.3803",
        "安装报错 0x80070005 E1042 -2147467259 版本 2024.11.3",
        "2026-11-24 10:00:01",
        "KB5034441",
        "192.168.1.100:8080",
        "单号 123456789012",  # no configured pattern matches it
    ],
)
def test_error_codes_and_versions_are_kept(typed):
    assert REDACTOR(typed) == typed


def test_order_patterns_are_only_the_configured_ones():
    assert Redactor()("订单 SO202611240001") == "订单 SO202611240001"


# --- needs --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(built_sample):
    with SearchEngine(open_current(index_root(built_sample.data_dir))) as engine:
        yield engine


def test_one_need_whatever_the_script_and_spacing(engine):
    phrasings = ["登陆失败", "登錄失敗", "登录 失败", "失败 登录", "登入失败"]
    keys = {need_key(normalize(text).strip(), engine) for text in phrasings}
    assert len(keys) == 1
    [key] = keys
    assert key
    assert need_key("打印机 不出纸", engine) not in keys
    assert need_key("登录 超时", engine) != key


def test_a_long_need_key_can_be_given_a_status(store):
    from kbcore.backlog import set_status
    from kbcore.db import backlog_items

    key = " | ".join(f"词{n}" for n in range(300))  # a pasted message: a long need
    set_status(store, key, "planned", "shopease-sms-code-e1042")
    with store.reading() as conn:
        [row] = conn.execute(backlog_items.select()).all()
    assert (row.need_key, row.status, row.article_id) == (key, "planned", "shopease-sms-code-e1042")
