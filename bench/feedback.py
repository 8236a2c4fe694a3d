"""Ratings per second and the cost of search logging, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.feedback --seconds 20

The sample knowledge base (or, with ``--articles N``, N articles copied from it) is indexed by
``kb build``'s index writer and its manifest written, into a temporary data dir. Then, for each
backend (a SQLite file in the data dir; PostgreSQL at ``--database-url``, in a schema of its own
that is dropped before and after):

- ratings over HTTP: gunicorn with 2 sync workers on 127.0.0.1 serving
  ``feedback_api:create_app()``, 4 client threads, one connection per request, a new
  ``client_token`` per vote and rate limits raised so none is refused. Each loop is split into
  rounds that alternate with the baseline, ``GET /api/openapi.json`` on the same server (no
  storage), and with ``GET /api/articles/<id>/ratings`` (a read);
- search logging in-process: ``GET /api/search`` through the portal's Flask test client, the
  golden queries of the sample knowledge base, each asked logged and with ``instant=1`` (which
  skips the log) back to back, in alternating order;
- ``EventLog.search()`` alone, one event at a time.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.common import free_port, print_table, reset_schema
from bench.corpus import REPO, build_index, describe_run
from bench.latency import REQUEST_TIMEOUT, Run, stop
from bench.offline_index import make_kb
from generator.build import manifest_of
from generator.knowledge import load_knowledge_base
from generator.pages import plan_site
from generator.problems import Problems
from generator.server import create_portal_app
from kbcore.config import Settings, load_settings
from kbcore.db import open_store, ratings
from kbcore.events import SearchEvent
from kbcore.manifest import write_manifest
from kbcore.storage import open_storage
from tests.search_api.test_golden import GOLDEN

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "kb_bench_feedback"
THREADS = 4
ROUNDS = 3
WARMUP_S = 2.0
RAISED_LIMITS = {"KB_RATING_LIMIT_PER_CLIENT": "100000", "KB_RATING_LIMIT_PER_ADDRESS": "1000000"}

Request = tuple[str, str, bytes | None, int]  # method, path, body, expected status
Rows = list[list[object]]
BASELINE = "GET /api/openapi.json (baseline)"
VOTE = "POST /api/articles/<id>/ratings"


@dataclass(frozen=True)
class Measured:
    """Everything measured on one backend."""

    http: dict[str, Run]
    votes_accepted: int  # every 201, warm-up included
    votes_stored: int
    logged: Run
    instant: Run
    deltas_ms: list[float]
    event_us: list[float]
    spooled: int


def prepare_data(data_dir: Path, articles: int | None, workdir: Path) -> list[str]:
    """Index the knowledge base, write its manifest; return the public article ids."""
    kb_dir = REPO / "kb"
    if articles is not None:
        kb_dir = workdir / "kb"
        make_kb(kb_dir, articles)
    build_index(kb_dir, data_dir)
    kb = load_knowledge_base(kb_dir, Problems())
    assert kb is not None
    manifest = manifest_of(plan_site(kb), "public")
    write_manifest(manifest, data_dir)
    entries = manifest.articles
    return [e.id for e in entries if e.audience == "public"]


def _send(port: int, request: Request) -> bool:
    method, path, body, expected = request
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status == expected
    except OSError:
        return False
    finally:
        connection.close()


def load(port: int, make: Callable[[int], Request], seconds: float) -> Run:
    """Send requests made by ``make(n)`` from ``THREADS`` threads for ``seconds``."""
    latencies: list[float] = []
    errors = [0]
    numbers = itertools.count()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                request = make(next(numbers))
            began = time.perf_counter()
            ok = _send(port, request)
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(THREADS)]
    start = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=seconds + 2 * REQUEST_TIMEOUT)
    return Run(latencies, time.perf_counter() - start, errors[0])


def _merge(runs: Sequence[Run]) -> Run:
    return Run(
        [ms for run in runs for ms in run.latencies_ms],
        sum(run.seconds for run in runs),
        sum(run.errors for run in runs),
    )


def _requests(ids: Sequence[str]) -> dict[str, Callable[[int], Request]]:
    """The measured endpoints: the no-storage baseline, a vote, a read of the votes."""

    def vote(n: int) -> Request:
        body: dict[str, Any] = {"helpful": n % 3 != 0, "client_token": str(uuid.uuid4())}
        if n % 3 == 0:
            body |= {"reason": "unclear", "comment": f"第 {n} 步看不懂, step {n} is unclear"}
        path = f"/api/articles/{ids[n % len(ids)]}/ratings"
        return "POST", path, json.dumps(body, ensure_ascii=False).encode(), 201

    return {
        BASELINE: lambda n: ("GET", "/api/openapi.json", None, 200),
        VOTE: vote,
        "GET /api/articles/<id>/ratings": lambda n: (
            "GET",
            f"/api/articles/{ids[n % len(ids)]}/ratings",
            None,
            200,
        ),
    }


def ratings_over_http(
    data_dir: Path, url: str | None, ids: Sequence[str], seconds: float, log: Path
) -> tuple[dict[str, Run], int]:
    """Every endpoint of :func:`_requests` on gunicorn, in alternating rounds; also the number
    of votes accepted, warm-up included."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env |= {"KB_DATA_DIR": str(data_dir), **RAISED_LIMITS}
    if url:
        env["KB_DATABASE_URL"] = url
    command = [str(REPO / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}"]
    command += ["--no-control-socket", "feedback_api:create_app()"]
    requests = _requests(ids)
    runs: dict[str, list[Run]] = {name: [] for name in requests}
    with open(log, "wb") as output:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=output)
        try:
            ready = time.monotonic() + 120
            while not _send(port, requests[BASELINE](0)):
                if server.poll() is not None or time.monotonic() > ready:
                    raise SystemExit(f"gunicorn did not start; see {log}")
                time.sleep(0.3)
            warmup = {name: load(port, make, WARMUP_S) for name, make in requests.items()}
            for _ in range(ROUNDS):
                for name, make in requests.items():
                    runs[name].append(load(port, make, seconds / ROUNDS))
        finally:
            stop(server)
    merged = {name: _merge(parts) for name, parts in runs.items()}
    votes = [warmup[VOTE], merged[VOTE]]
    return merged, sum(len(run.latencies_ms) - run.errors for run in votes)


def search_logging(settings: Settings, seconds: float) -> tuple[Run, Run, list[float]]:
    """``/api/search`` logged and with ``instant=1``, back to back; also the paired deltas."""
    client = create_portal_app(settings).test_client()
    queries = [query for query, _ in GOLDEN]

    def timed(query: str, instant: bool) -> tuple[float, bool]:
        params = {"q": query, **({"instant": "1"} if instant else {})}
        began = time.perf_counter()
        status = client.get("/api/search", query_string=params).status_code
        return (time.perf_counter() - began) * 1000, status == 200

    for query in queries:
        timed(query, False)
        timed(query, True)
    logged: list[float] = []
    instant: list[float] = []
    deltas: list[float] = []
    errors = [0, 0]
    start = time.perf_counter()
    deadline = time.monotonic() + seconds
    for n, query in enumerate(itertools.cycle(queries)):
        if time.monotonic() > deadline:
            break
        order = (False, True) if n % 2 == 0 else (True, False)
        pair = {flag: timed(query, flag) for flag in order}
        logged.append(pair[False][0])
        instant.append(pair[True][0])
        deltas.append(pair[False][0] - pair[True][0])
        errors[0] += not pair[False][1]
        errors[1] += not pair[True][1]
    elapsed = time.perf_counter() - start
    return Run(logged, elapsed, errors[0]), Run(instant, elapsed, errors[1]), deltas


def event_log_alone(settings: Settings, seconds: float) -> tuple[list[float], int]:
    """Time ``EventLog.search()`` calls for ``seconds``; return µs each and events spooled."""
    storage = open_storage(settings)
    spooled = storage.events.pending()
    micros: list[float] = []
    deadline = time.monotonic() + seconds
    for n in itertools.count():
        if time.monotonic() > deadline:
            break
        query = GOLDEN[n % len(GOLDEN)][0]
        event = SearchEvent(
            search_id=uuid.uuid4().hex,
            query=query,
            norm=query.lower(),
            lang="zh-Hans",
            filters={"product": "shopease"} if n % 2 else {},
            total=12,
            top_ids=["shopease-account-locked", "shopease-refund-stuck"],
            fallback=None,
            audience="customer",
        )
        began = time.perf_counter()
        storage.events.search(event)
        micros.append((time.perf_counter() - began) * 1e6)
    spooled = storage.events.pending() - spooled
    storage.store.dispose()
    return micros, spooled


def _p(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def measure(
    backend: str, url: str | None, data_dir: Path, ids: Sequence[str], seconds: float
) -> Measured:
    """All three measurements on one backend."""
    print(f"{backend}: ratings over HTTP", flush=True)
    store = open_store(url, data_dir)
    store.upgrade()
    log = data_dir / f"gunicorn-{backend}.log"
    http_runs, accepted = ratings_over_http(data_dir, url, ids, seconds, log)
    with store.reading() as conn:
        stored = conn.execute(select(func.count()).select_from(ratings)).scalar_one()
    store.dispose()
    print(f"{backend}: search logging in-process", flush=True)
    settings = load_settings(
        {"data_dir": data_dir, "site_dir": data_dir / "site", "database_url": url}, environ={}
    )
    logged, instant, deltas = search_logging(settings, seconds)
    micros, spooled = event_log_alone(settings, seconds / ROUNDS)
    return Measured(http_runs, accepted, stored, logged, instant, deltas, micros, spooled)


def report(measured: dict[str, Measured]) -> None:
    """Print the three tables and the ratios."""
    http_rows: Rows = []
    search_rows: Rows = []
    event_rows: Rows = []
    notes: list[str] = []
    for backend, m in measured.items():
        for name, run in m.http.items():
            http_rows.append([backend, name, *run.row()])
        base, votes = m.http[BASELINE], m.http[VOTE]
        votes_per_s = len(votes.latencies_ms) / votes.seconds
        base_per_s = len(base.latencies_ms) / base.seconds
        notes.append(
            f"{backend}: {votes_per_s:.0f} ratings/s = {votes_per_s / base_per_s:.2f}x the "
            f"baseline's req/s; p50 {statistics.median(votes.latencies_ms):.1f} ms against "
            f"{statistics.median(base.latencies_ms):.1f} ms; "
            f"{m.votes_stored} ratings stored of {m.votes_accepted} accepted"
        )
        for label, run in (("logged", m.logged), ("instant=1 (not logged)", m.instant)):
            row = run.row()
            search_rows.append([backend, label, row[0], row[1], row[4], row[5]])
        ratio = statistics.median(m.logged.latencies_ms) / statistics.median(m.instant.latencies_ms)
        notes.append(
            f"{backend}: logging adds {statistics.median(m.deltas_ms):.2f} ms per search "
            f"(median of paired differences); p50 logged/instant {ratio:.3f}"
        )
        event_rows.append(
            [backend, f"{_p(m.event_us, 50):.0f}", f"{_p(m.event_us, 95):.0f}", len(m.event_us)]
            + [m.spooled]
        )
    print()
    headers = ["backend", "endpoint", "p50 ms", "p95 ms", "p99 ms", "req/s", "requests", "errors"]
    print_table(headers, http_rows)
    print()
    print_table(["backend", "/api/search", "p50 ms", "p95 ms", "requests", "errors"], search_rows)
    print()
    print_table(["backend", "EventLog.search() p50 µs", "p95 µs", "calls", "spooled"], event_rows)
    print()
    for note in notes:
        print(note)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="seconds per measured loop")
    parser.add_argument("--database-url", default=DEFAULT_PG, help="PostgreSQL server to use")
    parser.add_argument("--articles", type=int, help="copy the sample up to N articles")
    args = parser.parse_args(argv)
    print(describe_run(), flush=True)
    measured: dict[str, Measured] = {}
    with tempfile.TemporaryDirectory(prefix="kb-feedback-") as tmp:
        data_dir = Path(tmp) / "data"
        ids = prepare_data(data_dir, args.articles, Path(tmp))
        print(f"{len(ids)} public articles indexed", flush=True)
        try:
            pg = reset_schema(args.database_url, create=True, schema=SCHEMA)
            for backend, url in (("sqlite", None), ("postgresql", pg)):
                measured[backend] = measure(backend, url, data_dir, ids, args.seconds)
        finally:
            reset_schema(args.database_url, create=False, schema=SCHEMA)
    report(measured)


if __name__ == "__main__":
    main()
