"""Search latency and throughput at 1,000 and 10,000 articles, in-process and over HTTP.

    .venv/bin/python -m bench.latency --sizes 1000,10000 --requests 3000 --clients 2,6

For each size, real documents (TiDB's Chinese docs and StackFAQ threads, half each) are cycled
into that many articles with distinct ids and a slight variation (a numbered title and one
paragraph left out), written as a knowledge base and indexed by ``write_generation``. Then:

- in-process: ``GET /api/search`` through ``search_api.create_app(...).test_client()``, one
  request at a time, against the same queries through the Whoosh-default baseline;
- over HTTP: gunicorn with ``deploy/gunicorn.conf.py`` (2 gthread workers, 4 threads each) on
  127.0.0.1 serving ``search_api``, for each ``--clients`` count: that many client processes,
  each sending its requests one after the other (the workers close each connection after its
  response, as deployed: a new connection goes to whichever worker is free), a 10 s timeout per
  request and an overall deadline. The CPU time each worker spent on a loop (how the load fell
  on them) and each worker's peak memory (VmHWM) are read from /proc.

The query mix is long questions, 1,506 distinct ones (the two sets' queries the API accepts: their
one empty query is left out): with ``--requests 3000`` the second half of a loop repeats the first,
and the HTTP loops run one after the other on the same workers, so the first loop finds the
workers' caches (postings, positions, shown articles) cold and later loops warm.

Every search is logged into a SQLite file in the data dir, as in production.
The query mix alternates real queries of the two public query sets (Chinese and English).
The client processes share the machine's cores with gunicorn.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import multiprocessing
import os
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode

import search_api
from bench.baselines import WhooshDefault
from bench.common import free_port, print_table
from bench.corpus import REPO, Doc, build_index, describe_run, stackfaq_docs, tidb_docs, write_kb
from bench.relevance import SETS, load_queries
from kbcore.db import open_store
from search_api.views import MAX_QUERY_CHARS

REQUEST_TIMEOUT = 10.0
WARMUP = 20


@dataclass(frozen=True)
class Run:
    """Latencies of one measured loop."""

    latencies_ms: list[float]
    seconds: float
    errors: int
    workers_cpu_s: tuple[float, ...] = ()  # over HTTP: the CPU time each worker spent on it

    def row(self) -> list[object]:
        p = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        rate = len(self.latencies_ms) / self.seconds
        timings = [f"{p[49]:.1f}", f"{p[94]:.1f}", f"{p[98]:.1f}", f"{rate:.1f}"]
        cpu = " / ".join(f"{s:.1f}" for s in self.workers_cpu_s) or "–"
        return [*timings, len(self.latencies_ms), self.errors, cpu]


def _vary(doc: Doc, variant: int) -> Doc:
    """Copy number ``variant`` of ``doc``: a numbered title and one paragraph left out."""
    if variant == 0:
        return doc
    paragraphs = doc.body.split("\n\n")
    droppable = [i for i, p in enumerate(paragraphs) if "```" not in p and "~~~" not in p]
    if len(paragraphs) > 2 and droppable:
        del paragraphs[droppable[variant % len(droppable)]]
    return replace(
        doc,
        corpus_id=f"{doc.corpus_id}-{variant}",
        title=f"{doc.title[:110]} ({variant + 1})",
        body="\n\n".join(paragraphs),
    )


def scaled_docs(size: int) -> list[Doc]:
    """``size`` articles, alternately Chinese and English, cycling through both corpora."""
    pools = [tidb_docs()[0], stackfaq_docs()[0]]
    out = []
    for number in range(size):
        pool = pools[number % 2]
        nth = number // 2
        out.append(_vary(pool[nth % len(pool)], nth // len(pool)))
    return out


def _accepted(text: str) -> bool:
    """Whether ``/api/search`` takes ``text`` as its ``q`` (not empty, not too long)."""
    return 0 < len(text.strip()) <= MAX_QUERY_CHARS


def query_mix(count: int) -> list[str]:
    """``count`` real queries, alternating TiDB (Chinese) and StackFAQ (English)."""
    chinese, english = (
        [text for _, text in load_queries(SETS[name].queries, None) if _accepted(text)]
        for name in ("tidb", "stackfaq")
    )
    mixed = itertools.chain.from_iterable(zip(itertools.cycle(chinese), english, strict=False))
    return list(itertools.islice(itertools.cycle(list(mixed)), count))


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def timed_loop(call: Callable[[str], bool], queries: Sequence[str]) -> Run:
    """Call ``call`` for each query in turn; it returns whether the request succeeded."""
    latencies, errors = [], 0
    start = time.perf_counter()
    for text in queries:
        began = time.perf_counter()
        ok = call(text)
        latencies.append((time.perf_counter() - began) * 1000)
        errors += not ok
    return Run(latencies, time.perf_counter() - start, errors)


def in_process(data_dir: Path, queries: Sequence[str]) -> Run:
    """``/api/search`` through Flask's test client (routing, validation, engine, JSON)."""
    client = search_api.create_app({"data_dir": data_dir}).test_client()

    def call(text: str) -> bool:
        return client.get("/api/search", query_string={"q": text}).status_code == 200

    for text in queries[:WARMUP]:
        call(text)
    return timed_loop(call, queries)


class _Client:
    """A connection to the server, opened again once the server closed it or after a failure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def get(self, text: str) -> bool:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT
            )
        try:
            self.connection.request("GET", "/api/search?" + urlencode({"q": text}))
            response = self.connection.getresponse()
            response.read()
            return response.status == 200
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            return False


def _wait_ready(port: int, server: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        if _Client(port).get("warm up"):
            return
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /api/search in time")


def _client_part(port: int, part: Sequence[str], deadline: float) -> tuple[list[float], int]:
    """One client process: its queries one after the other."""
    client = _Client(port)
    latencies, errors = [], 0
    for text in part:
        if time.monotonic() > deadline:
            break
        began = time.perf_counter()
        ok = client.get(text)
        latencies.append((time.perf_counter() - began) * 1000)
        errors += not ok
    return latencies, errors


def _clients(port: int, queries: Sequence[str], clients: int, deadline: float) -> Run:
    """Send ``queries`` from ``clients`` processes (split evenly); stop at ``deadline``.

    Processes, not threads: client threads of one process wait for each other's turn on the
    interpreter lock, which the measured latency would include.
    """
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    with ProcessPoolExecutor(clients, mp_context=multiprocessing.get_context("fork")) as pool:
        parts = [
            pool.submit(_client_part, port, queries[i::clients], deadline) for i in range(clients)
        ]
        for part in parts:
            part_latencies, part_errors = part.result()
            latencies += part_latencies
            errors += part_errors
    return Run(latencies, time.perf_counter() - start, errors)


def _workers(master: int) -> list[str]:
    return Path(f"/proc/{master}/task/{master}/children").read_text().split()


def _workers_cpu_s(master: int) -> dict[str, float]:
    """The CPU time (user and system) each of gunicorn's workers has used, in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in _workers(master):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return used


def _loop(port: int, master: int, queries: Sequence[str], clients: int, budget: float) -> Run:
    """One HTTP loop, with the CPU time each worker spent on it: how the load fell on them."""
    before = _workers_cpu_s(master)
    run = _clients(port, queries, clients, time.monotonic() + budget)
    after = _workers_cpu_s(master)
    spent = tuple(after[pid] - before.get(pid, 0.0) for pid in sorted(after))
    return replace(run, workers_cpu_s=spent)


def _workers_peak_mb(master: int) -> list[float]:
    """The peak resident memory of each of gunicorn's workers, in MB."""
    peaks = []
    for pid in _workers(master):
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(status.split("VmHWM:")[1].split()[0]) / 1024)
    return peaks


def over_http(
    data_dir: Path, queries: Sequence[str], log: Path, budget: float, clients: Sequence[int]
) -> tuple[list[tuple[int, Run]], list[float]]:
    """``/api/search`` on gunicorn as deployed, for each number of client threads; the runs and
    the workers' peak memory."""
    port = free_port()
    env = {
        **os.environ,
        "KB_DATA_DIR": str(data_dir),
        "KB_BIND": f"127.0.0.1:{port}",
        "KB_APP": "search_api:create_app()",
    }
    command = [str(REPO / ".venv/bin/gunicorn"), "-c", str(REPO / "deploy/gunicorn.conf.py")]
    with open(log, "wb") as output:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=output)
        try:
            _wait_ready(port, server, time.monotonic() + 120)
            _clients(port, queries[:WARMUP], 2, time.monotonic() + 120)  # warm both workers
            runs = [(count, _loop(port, server.pid, queries, count, budget)) for count in clients]
            return runs, _workers_peak_mb(server.pid)
        finally:
            stop(server)


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn: TERM, then KILL if it has not gone after 30 s."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


Rows = list[list[object]]


def measure(
    size: int, requests: int, budget: float, clients: Sequence[int], workdir: Path
) -> tuple[Rows, Rows]:
    """Build the ``size``-article index and the baseline, then time both."""
    docs = scaled_docs(size)
    write_kb(docs, workdir / "kb")
    opened, build_s = build_index(workdir / "kb", workdir / "data")
    # Searches are logged, as in production: into a SQLite file in the data dir.
    open_store(None, workdir / "data").upgrade()
    start = time.perf_counter()
    baseline = WhooshDefault(docs, workdir / "whoosh")
    baseline_s = time.perf_counter() - start
    builds: Rows = [
        [size, "kb-portal", f"{build_s:.1f}", f"{folder_mb(opened.path):.1f}"],
        [size, baseline.name, f"{baseline_s:.1f}", f"{folder_mb(workdir / 'whoosh'):.1f}"],
    ]
    queries = query_mix(requests)
    print(f"{size}: built; timing {len(queries)} requests each", flush=True)

    def baseline_call(text: str) -> bool:
        baseline.search(text)
        return True

    runs = [
        ("kb-portal", "in-process /api/search", in_process(workdir / "data", queries)),
        ("whoosh-default", "in-process search()", timed_loop(baseline_call, queries)),
    ]
    served, peaks = over_http(workdir / "data", queries, workdir / "gunicorn.log", budget, clients)
    memory = " / ".join(f"{mb:.0f}" for mb in peaks)
    runs += [
        ("kb-portal", f"HTTP gunicorn 2 workers, {count} clients", run) for count, run in served
    ]
    builds[0].append(memory)
    builds[1].append("–")
    return builds, [[size, system, mode, *run.row()] for system, mode, run in runs]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--requests", type=int, default=400, help="timed requests per loop")
    parser.add_argument("--budget", type=float, default=300, help="seconds per HTTP loop, at most")
    parser.add_argument("--clients", default="2", help="comma-separated client process counts")
    args = parser.parse_args(argv)
    print(describe_run(), flush=True)
    builds: Rows = []
    rows: Rows = []
    with tempfile.TemporaryDirectory(prefix="kb-latency-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            clients = [int(c) for c in args.clients.split(",")]
            built, timed = measure(size, args.requests, args.budget, clients, Path(tmp) / str(size))
            builds += built
            rows += timed
    print_table(["articles", "system", "build s", "index MB", "worker peak MB"], builds)
    print()
    print_table(
        [
            "articles",
            "system",
            "mode",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "req/s",
            "requests",
            "errors",
            "worker CPU s",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
