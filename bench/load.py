"""A bounded, mixed load on the portal API over loopback, then a reconciliation with the database.

    .venv/bin/python -m bench.load --seconds 60
    .venv/bin/python -m bench.load --seconds 60 --database-url postgresql://postgres@127.0.0.1:5432/test

gunicorn with 2 sync workers on 127.0.0.1 serves the portal (``generator.server:create_app()``,
the app `kb serve` runs) over the sample knowledge base, indexed into a temporary data dir, with
the rating limits raised. A few client threads (4), one connection per request, send for the
given time (after a short warm-up that is not timed):

- searches, 85 %: golden queries of the sample, logged (60 %); the same as type-ahead requests
  (``instant=1``, not logged, 15 %); queries that find nothing (10 %);
- ratings, 5 %: a new ``client_token`` each, some with a reason and a comment;
- clicks, 10 %: the first result of a logged search answered earlier, each once.

Any 5xx, any other unexpected status and any connection error counts as an error. Afterwards
gunicorn is stopped, the search events its workers spooled (if any) are replayed, and the
database is compared with what the clients were told: ratings stored == ratings acknowledged
(201), searches stored == logged searches answered (200), clicks stored == clicks accepted (202).
SQLite is a file in the data dir; PostgreSQL (``--database-url``) runs in a schema of its own,
dropped before and after.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

from sqlalchemy import select

from bench.common import free_port, reset_schema
from kbcore.db import Store, clicks, open_store, ratings, searches
from kbcore.events import EventLog

__all__ = [
    "MIX",
    "Check",
    "Ledger",
    "LoadReport",
    "Portal",
    "format_report",
    "measure",
    "prepare_sample",
    "reconcile",
    "run_load",
    "start_portal",
    "zero_hit_query",
]

REPO = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
Kind = Literal["search", "instant", "zero-hit", "rating", "click"]
MIX: dict[Kind, int] = {"search": 60, "instant": 15, "zero-hit": 10, "rating": 5, "click": 10}
EXPECTED: dict[Kind, int] = {
    "search": 200,
    "instant": 200,
    "zero-hit": 200,
    "rating": 201,
    "click": 202,
}
THREADS = 4
WARMUP_S = 3.0
REQUEST_TIMEOUT = 10.0
RAISED_LIMITS = {"KB_RATING_LIMIT_PER_CLIENT": "100000", "KB_RATING_LIMIT_PER_ADDRESS": "1000000"}
SCHEMA = "kb_bench_load"


@dataclass
class Portal:
    """A gunicorn master serving the portal on ``port``."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Stop gunicorn by its pid: TERM (workers finish their requests), KILL after 30 s."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _request(port: int, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        connection.close()


def start_portal(
    data_dir: Path, database_url: str | None, log: Path, *, workers: int = 2, timeout: float = 120
) -> Portal:
    """Migrate the database, start gunicorn over ``data_dir`` and wait until it answers."""
    store = open_store(database_url, data_dir)
    store.upgrade()
    store.dispose()
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("KB_")}
    env |= {"KB_DATA_DIR": str(data_dir), **RAISED_LIMITS}
    if database_url:
        env["KB_DATABASE_URL"] = database_url
    command = [str(GUNICORN), f"--workers={workers}", f"--bind=127.0.0.1:{port}"]
    command += ["--no-control-socket", "--graceful-timeout=10", "generator.server:create_app()"]
    with open(log, "wb") as output:
        # In the data dir: no kb.toml of the working tree is read.
        process = subprocess.Popen(
            command, cwd=data_dir, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    portal = Portal(port, process, log)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if _request(port, "GET", "/api/health")[0] == 200:
                return portal
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            portal.stop()
            raise RuntimeError(f"gunicorn did not start; see {log}")
        time.sleep(0.2)


def zero_hit_query(n: int) -> str:
    """A word no article holds, different for each ``n`` (letters only: no number matches)."""
    letters = ""
    for _ in range(4):
        n, digit = divmod(n, 26)
        letters += chr(ord("a") + digit)
    return f"zqxj{letters}vw"


@dataclass
class Ledger:
    """What the clients sent and were told; shared by the client threads."""

    sent: Counter[Kind] = field(default_factory=Counter)  # timed requests, answered or not
    latencies_ms: dict[Kind, list[float]] = field(default_factory=lambda: {k: [] for k in MIX})
    errors: Counter[str] = field(default_factory=Counter)  # of timed requests
    warmup_errors: Counter[str] = field(default_factory=Counter)
    acknowledged: set[str] = field(default_factory=set)  # rating tokens answered 201
    logged: set[str] = field(default_factory=set)  # ids of searches answered and logged
    accepted: set[tuple[str, str]] = field(default_factory=set)  # clicks answered 202
    clickable: list[tuple[str, str]] = field(default_factory=list)
    zero_hit_found: int = 0  # "zero-hit" queries that found something after all
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Client:
    """One client thread's requests."""

    def __init__(self, port: int, ledger: Ledger, queries: Sequence[str], ids: Sequence[str]):
        self.port, self.ledger, self.queries, self.ids = port, ledger, queries, ids

    def request(self, kind: Kind, n: int, rng: random.Random) -> tuple[Kind, str, str, Any]:
        """Return the request to send: kind, method, path and JSON body."""
        if kind == "click":
            with self.ledger.lock:
                pool = self.ledger.clickable
                pair = pool.pop(rng.randrange(len(pool))) if pool else None
            if pair is not None:
                path = f"/api/searches/{pair[0]}/clicks"
                return kind, "POST", path, {"article_id": pair[1]}
            kind = "search"  # nothing to click yet
        if kind == "rating":
            body: dict[str, Any] = {"helpful": n % 3 != 0, "client_token": str(uuid.uuid4())}
            if n % 3 == 0:
                body |= {"reason": "unclear", "comment": f"第 {n} 步看不懂; step {n} is unclear"}
            path = f"/api/articles/{quote(self.ids[n % len(self.ids)])}/ratings"
            return kind, "POST", path, body
        query = zero_hit_query(n) if kind == "zero-hit" else self.queries[n % len(self.queries)]
        params = {"q": query, **({"instant": "1"} if kind == "instant" else {})}
        return kind, "GET", "/api/search?" + urlencode(params), None

    def send(self, kind: Kind, method: str, path: str, body: Any, measuring: bool) -> None:
        """Send one request and write down what it was told."""
        ledger = self.ledger
        errors = ledger.errors if measuring else ledger.warmup_errors
        began = time.perf_counter()
        try:
            status, answer = _request(self.port, method, path, body)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            with ledger.lock:
                if measuring:
                    ledger.sent[kind] += 1
                errors[f"{kind}: {type(exc).__name__}"] += 1
            return
        elapsed = (time.perf_counter() - began) * 1000
        with ledger.lock:
            if measuring:
                ledger.sent[kind] += 1
                ledger.latencies_ms[kind].append(elapsed)
            if status != EXPECTED[kind]:
                errors[f"{kind}: HTTP {status}"] += 1
            elif kind == "rating":
                ledger.acknowledged.add(body["client_token"])
            elif kind == "click":
                ledger.accepted.add((path.split("/")[3], body["article_id"]))
            elif kind != "instant":  # type-ahead requests are not logged
                ledger.logged.add(answer["search_id"])
                if kind == "zero-hit" and answer["total"] > 0:
                    ledger.zero_hit_found += 1
                if kind == "search" and answer["results"]:
                    ledger.clickable.append((answer["search_id"], answer["results"][0]["id"]))


def _drive(clients: Sequence[_Client], seconds: float, measuring: bool, seed: int) -> float:
    """Run every client in its own thread for ``seconds``; return the time taken."""
    deadline = time.monotonic() + seconds
    kinds, weights = list(MIX), list(MIX.values())

    def loop(number: int, client: _Client) -> None:
        rng = random.Random(seed * 1000 + number)
        n = number * 1_000_000 + seed * 100_000_000
        while time.monotonic() < deadline:
            n += 1
            kind = rng.choices(kinds, weights)[0]
            client.send(*client.request(kind, n, rng), measuring)

    threads = [threading.Thread(target=loop, args=item, daemon=True) for item in enumerate(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 3 * REQUEST_TIMEOUT)
    return time.perf_counter() - start


def run_load(
    port: int,
    *,
    seconds: float,
    queries: Sequence[str],
    article_ids: Sequence[str],
    threads: int = THREADS,
) -> tuple[Ledger, float]:
    """Warm both workers up, then send the mix for ``seconds``; return the ledger and the time."""
    ledger = Ledger()
    clients = [_Client(port, ledger, queries, article_ids) for _ in range(threads)]
    _drive(clients, WARMUP_S, False, seed=1)
    return ledger, _drive(clients, seconds, True, seed=2)


@dataclass(frozen=True)
class Check:
    """One reconciliation: what the clients were told against what the database holds."""

    name: str
    told: int
    stored: int
    missing: int  # told, not stored: lost
    unexpected: int  # stored, never told

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.unexpected == 0


def _check(name: str, told: set[Any], stored: list[Any]) -> Check:
    found = set(stored)
    unexpected = len(found - told) + len(stored) - len(found)  # duplicates count too
    return Check(name, len(told), len(stored), len(told - found), unexpected)


@dataclass(frozen=True)
class LoadReport:
    """The numbers of one run."""

    backend: str
    seconds: float
    sent: dict[Kind, int]
    latencies_ms: dict[Kind, list[float]]
    errors: dict[str, int]  # of the timed requests
    warmup_errors: dict[str, int]
    zero_hit_found: int
    spooled: int
    checks: list[Check]

    @property
    def requests(self) -> int:
        return sum(self.sent.values())

    @property
    def error_rate(self) -> float:
        return sum(self.errors.values()) / max(1, self.requests)

    def rows(self) -> list[list[object]]:
        """One row per kind of request, then the total."""
        out: list[list[object]] = []
        for kind, values in self.latencies_ms.items():
            timings = ["-", "-", "-"]
            if len(values) >= 2:
                p = statistics.quantiles(values, n=100, method="inclusive")
                timings = [f"{p[49]:.1f}", f"{p[94]:.1f}", f"{p[98]:.1f}"]
            sent = self.sent.get(kind, 0)
            out.append([self.backend, kind, sent, f"{sent / self.seconds:.1f}", *timings])
        total = [self.backend, "all", self.requests, f"{self.requests / self.seconds:.1f}"]
        return [*out, [*total, "", "", ""]]


def reconcile(store: Store, spool_dir: Path, ledger: Ledger) -> tuple[int, list[Check]]:
    """Replay what the (stopped) workers spooled, then compare the database with ``ledger``.

    Returns the number of events that were spooled and the checks.
    """
    events = EventLog(store, spool_dir)
    spooled = events.pending()
    events.replay()
    with store.reading() as conn:
        tokens = [row.client_token for row in conn.execute(select(ratings.c.client_token))]
        ids = [row.search_id for row in conn.execute(select(searches.c.search_id))]
        pairs = [(r.search_id, r.article_id) for r in conn.execute(select(clicks))]
    return spooled, [
        _check("ratings", ledger.acknowledged, tokens),
        _check("searches", ledger.logged, ids),
        _check("clicks", ledger.accepted, pairs),
    ]


def prepare_sample(data_dir: Path) -> list[str]:
    """Index the sample knowledge base as `kb build` does and write its manifest; return the
    public article ids."""
    from bench.corpus import build_index
    from generator.build import manifest_of
    from generator.knowledge import load_knowledge_base
    from generator.pages import plan_site
    from generator.problems import Problems
    from kbcore.manifest import write_manifest

    build_index(REPO / "kb", data_dir)
    kb = load_knowledge_base(REPO / "kb", Problems())
    assert kb is not None
    manifest = manifest_of(plan_site(kb), "public")
    write_manifest(manifest, data_dir)
    return [entry.id for entry in manifest.articles if entry.audience == "public"]


def measure(
    backend: str,
    data_dir: Path,
    database_url: str | None,
    seconds: float,
    article_ids: Sequence[str],
    log: Path,
) -> LoadReport:
    """Serve ``data_dir`` with gunicorn, run the load, stop it, reconcile."""
    from tests.search_api.test_golden import GOLDEN

    portal = start_portal(data_dir, database_url, log)
    try:
        ledger, took = run_load(
            portal.port, seconds=seconds, queries=[q for q, _ in GOLDEN], article_ids=article_ids
        )
    finally:
        portal.stop()
    store = open_store(database_url, data_dir)
    try:
        spooled, checks = reconcile(store, data_dir / "spool", ledger)
    finally:
        store.dispose()
    return LoadReport(
        backend=backend,
        seconds=took,
        sent=dict(ledger.sent),
        latencies_ms=ledger.latencies_ms,
        errors=dict(ledger.errors),
        warmup_errors=dict(ledger.warmup_errors),
        zero_hit_found=ledger.zero_hit_found,
        spooled=spooled,
        checks=checks,
    )


def format_report(report: LoadReport) -> str:
    """The latency table (Markdown), the errors and the reconciliation, as text."""
    headers = ["backend", "kind", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in report.rows()]
    errors = {**report.errors, **{f"warm-up {k}": n for k, n in report.warmup_errors.items()}}
    lines += [
        "",
        f"{report.backend}: {report.requests} requests in {report.seconds:.1f} s, error rate "
        f"{report.error_rate:.4f} {errors or ''}; zero-hit queries that found something: "
        f"{report.zero_hit_found}; search events spooled, then replayed: {report.spooled}",
    ]
    lines += [
        f"{report.backend}: {c.name}: told {c.told}, stored {c.stored}, missing {c.missing}, "
        f"unexpected {c.unexpected}: {'ok' if c.ok else 'MISMATCH'}"
        for c in report.checks
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    from bench.corpus import describe_run

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="seconds of timed load")
    parser.add_argument("--database-url", help="also run on this PostgreSQL server")
    args = parser.parse_args(argv)
    print(describe_run(), flush=True)
    failed = False
    with tempfile.TemporaryDirectory(prefix="kb-load-") as tmp:
        backends: list[tuple[str, str | None]] = [("sqlite", None)]
        if args.database_url:
            backends.append(
                ("postgresql", reset_schema(args.database_url, create=True, schema=SCHEMA))
            )
        try:
            for backend, url in backends:
                data_dir = Path(tmp) / backend
                ids = prepare_sample(data_dir)
                print(f"{backend}: {args.seconds:.0f} s of load", flush=True)
                log = Path(tmp) / f"gunicorn-{backend}.log"
                report = measure(backend, data_dir, url, args.seconds, ids, log)
                print(format_report(report), flush=True)
                failed |= bool(report.errors or report.warmup_errors)
                failed |= not all(check.ok for check in report.checks)
        finally:
            if args.database_url:
                reset_schema(args.database_url, create=False, schema=SCHEMA)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
