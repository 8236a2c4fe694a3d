"""Real servers, several processes: gunicorn with two workers, concurrent clients, kill -9."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.common import free_port
from kbcore.db import Store, open_store, ratings
from tests.conftest import copy_data_dir, wait_http

pytestmark = pytest.mark.e2e

GUNICORN = Path(sys.executable).parent / "gunicorn"
ACCESS = re.compile(r"^access <(\d+)> (\d{3}) (\S+)$", re.M)
READY = re.compile(r"worker ready: (\d+)$", re.M)
TOO_LARGE = "body: expected at most 8192 bytes, found more"
# Workers load the app after the fork; this hook says when one is ready to answer.
GUNICORN_CONF = """
def post_worker_init(worker):
    worker.log.info("worker ready: %s", worker.pid)
"""


@dataclass
class Server:
    """A gunicorn master with two workers, and the store they write to."""

    port: int
    proc: subprocess.Popen[bytes]
    store: Store
    log: Path

    def workers(self) -> set[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return {int(pid) for pid in path.read_text().split()}

    def wait_for_workers(
        self, exclude: frozenset[int] = frozenset(), timeout: float = 30
    ) -> set[int]:
        """Wait until two workers other than ``exclude`` have loaded the app; return their pids."""
        deadline = time.monotonic() + timeout
        while True:
            workers = self.workers()
            ready = {int(pid) for pid in READY.findall(self.log.read_text())}
            if len(workers) == 2 and workers <= ready and not workers & exclude:
                return workers
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, f"workers {workers}, ready {ready}"
            time.sleep(0.05)

    def request(
        self, method: str, path: str, body: Any = None, timeout: float = 15
    ) -> tuple[int, dict[str, str], Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            return response.status, dict(response.headers), json.loads(response.read())
        finally:
            conn.close()

    def vote(self, article: str, token: str, helpful: bool = True) -> tuple[int, dict[str, str]]:
        status, headers, _ = self.request(
            "POST",
            f"/api/articles/{article}/ratings",
            {"helpful": helpful, "client_token": token},
        )
        return status, headers

    def rows(self) -> list[Any]:
        with self.store.reading() as conn:
            return list(conn.execute(select(ratings)))

    def served_by(self) -> Counter[int]:
        """How many rating requests each worker answered (from the access log)."""
        found = ACCESS.findall(self.log.read_text())
        return Counter(int(pid) for pid, _, path in found if path.endswith("/ratings"))


@pytest.fixture
def start_gunicorn(
    database_url: str, built_sample, tmp_path: Path
) -> Iterator[Callable[..., Server]]:
    """Start `gunicorn -w 2 'feedback_api:create_app()'` with ``KB_*`` settings."""
    servers: list[Server] = []

    def start(**settings: object) -> Server:
        data_dir = copy_data_dir(built_sample, tmp_path / f"var{len(servers)}")
        store = open_store(database_url, data_dir)
        store.upgrade()
        env = {name: value for name, value in os.environ.items() if not name.startswith("KB_")}
        env.update(KB_DATA_DIR=str(data_dir), KB_DATABASE_URL=database_url)
        env.update({f"KB_{name.upper()}": str(value) for name, value in settings.items()})
        port = free_port()
        log = tmp_path / f"gunicorn{len(servers)}.log"
        conf = tmp_path / "gunicorn.conf.py"
        conf.write_text(GUNICORN_CONF)
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    str(GUNICORN),
                    f"--config={conf}",
                    "--workers=2",
                    f"--bind=127.0.0.1:{port}",
                    "--no-control-socket",
                    "--graceful-timeout=5",
                    "--access-logfile=-",
                    "--access-logformat=access %(p)s %(s)s %(U)s",
                    "feedback_api:create_app()",
                ],
                cwd=tmp_path,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Server(port, proc, store, log)
        servers.append(server)
        server.wait_for_workers()
        wait_http(f"http://127.0.0.1:{port}/api/openapi.json")
        return server

    yield start
    for server in servers:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
        server.store.dispose()
        print(server.log.read_text("utf-8", errors="replace")[-4000:])


def test_concurrent_votes_from_many_browsers(start_gunicorn, article_ids):
    server = start_gunicorn(rating_limit_per_address=100000)
    votes = [(article_ids[n % 5], str(uuid.uuid4()), n % 3 != 0) for n in range(200)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda v: server.vote(*v)[0], votes))
    assert Counter(statuses) == {201: 200}
    rows = server.rows()
    assert len(rows) == 200
    assert {(r.article_id, r.client_token, r.helpful) for r in rows} == set(votes)
    assert len(server.served_by()) == 2  # both workers took votes
    for article in article_ids[:5]:
        status, _, summary = server.request("GET", f"/api/articles/{article}/ratings")
        mine = [helpful for a, _, helpful in votes if a == article]
        assert (status, summary["helpful"], summary["not_helpful"]) == (
            200,
            sum(mine),
            len(mine) - sum(mine),
        )


def test_the_address_cap_holds_under_concurrent_votes(start_gunicorn, article_ids):
    cap, extra = 20, 10
    server = start_gunicorn(rating_limit_per_address=cap)
    votes = [(article_ids[n % 3], str(uuid.uuid4())) for n in range(cap + extra)]
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda v: server.vote(*v), votes))
    assert Counter(status for status, _ in answers) == {201: cap, 429: extra}
    assert all(int(headers["Retry-After"]) > 0 for status, headers in answers if status == 429)
    assert len(server.rows()) == cap


def test_the_address_cap_is_shared_by_the_workers(start_gunicorn, article_ids):
    cap, extra = 12, 4
    server = start_gunicorn(rating_limit_per_address=cap)
    held_path = f"/api/articles/{article_ids[4]}/ratings"
    held_body = json.dumps({"helpful": True, "client_token": str(uuid.uuid4())}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as held:
        # The first worker to accept takes this vote and waits for its body: the other worker
        # answers every vote sent meanwhile.
        held.sendall(
            f"POST {held_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(held_body)}\r\nConnection: close\r\n\r\n".encode()
        )
        with ThreadPoolExecutor(4) as pool:
            first = list(
                pool.map(
                    lambda n: server.vote(article_ids[n % 3], str(uuid.uuid4()))[0], range(cap)
                )
            )
        held.sendall(held_body)
        answer = b""
        while data := held.recv(65536):
            answer += data
    later = [server.vote(article_ids[0], str(uuid.uuid4()))[0] for _ in range(extra - 1)]

    assert Counter(first) == {201: cap}
    # The held worker counts the other worker's votes: the shared cap is reached.
    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 429 TOO MANY REQUESTS"
    assert Counter(later) == {429: extra - 1}
    assert len(server.rows()) == cap
    found = ACCESS.findall(server.log.read_text())
    held_by = {int(pid) for pid, _, path in found if path == held_path}
    first_by = {int(pid) for pid, status, path in found if status == "201"}
    assert len(held_by) == 1 and len(first_by) == 1 and held_by != first_by


def test_a_killed_worker_loses_no_acknowledged_vote(start_gunicorn, article_ids, database_url):
    server = start_gunicorn(rating_limit_per_address=100000)
    tokens = [str(uuid.uuid4()) for _ in range(300)]
    acknowledged: set[str] = set()
    lock = threading.Lock()
    started = threading.Event()
    failures: Counter[str] = Counter()

    def send(n: int) -> int | None:
        # A browser retries with the same token when the connection breaks.
        for attempt in range(8):
            try:
                status, _ = server.vote(article_ids[n % 5], tokens[n])
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    failures[type(exc).__name__] += 1
                time.sleep(0.05 * 2**attempt)
                continue
            if status in (200, 201):
                with lock:
                    acknowledged.add(tokens[n])
                    if len(acknowledged) >= 60:
                        started.set()
            return int(status)
        return None

    victims = server.workers()
    with ThreadPoolExecutor(6) as pool:
        results = pool.map(send, range(len(tokens)))
        assert started.wait(60)
        victim = min(victims)
        os.kill(victim, signal.SIGKILL)
        statuses = list(results)
    replacement = server.wait_for_workers(exclude=frozenset({victim}))
    print("connection failures:", dict(failures))

    assert set(statuses) <= {200, 201}, Counter(statuses)
    rows = server.rows()
    stored = [row.client_token for row in rows]
    assert len(stored) == len(set(stored))  # no duplicates
    assert acknowledged <= set(stored)  # nothing acknowledged was lost
    assert set(stored) <= set(tokens)
    assert acknowledged == set(tokens)  # and every browser got its answer in the end
    assert victim not in replacement and len(replacement) == 2
    if database_url.startswith("sqlite"):
        with sqlite3.connect(make_url(database_url).database or "") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def chunked_post(port: int, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """POST ``body`` with ``Transfer-Encoding: chunked`` (no Content-Length)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode()
        )
        for start in range(0, len(body), 1000):
            chunk = body[start : start + 1000]
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        sock.sendall(b"0\r\n\r\n")
        answer = b""
        while data := sock.recv(65536):
            answer += data
    head, _, payload = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(payload)


def oversized() -> bytes:
    comment = "x" * 9000
    return json.dumps(
        {"helpful": True, "client_token": str(uuid.uuid4()), "comment": comment}
    ).encode()


def test_chunked_bodies_through_gunicorn(start_gunicorn, article_ids):
    server = start_gunicorn()
    path = f"/api/articles/{article_ids[0]}/ratings"
    status, body = chunked_post(server.port, path, oversized())
    assert (status, body["error"]["code"], body["error"]["message"]) == (
        413,
        "payload_too_large",
        TOO_LARGE,
    )
    token = str(uuid.uuid4())
    status, body = chunked_post(
        server.port, path, json.dumps({"helpful": True, "client_token": token}).encode()
    )
    assert (status, body["helpful"]) == (201, 1)
    assert [row.client_token for row in server.rows()] == [token]


def test_chunked_bodies_through_kb_serve(server, article_ids):
    port = int(server.rsplit(":", 1)[1])
    path = f"/api/articles/{article_ids[0]}/ratings"
    status, body = chunked_post(port, path, oversized())
    assert (status, body["error"]["message"]) == (413, TOO_LARGE)
    bad = json.dumps({"helpful": "yes", "client_token": str(uuid.uuid4())}).encode()
    status, body = chunked_post(port, path, bad)
    assert (status, body["error"]["message"]) == (
        400,
        "helpful: expected a valid boolean, found 'yes'",
    )
