"""Storage faults for real: a full or read-only disk, and PostgreSQL going away mid-run.

The helpers are those of tests/test_faults.py."""

from __future__ import annotations

import errno
import os
import selectors
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

import kbcore.events
from bench.common import free_port
from generator.server import create_portal_app
from kbcore.config import load_settings
from kbcore.db import clicks, open_store, ratings, searches
from kbcore.events import EventLog
from kbcore.storage import Storage
from tests.conftest import (
    copy_data_dir,
    serving,
)
from tests.test_faults import LOGIN, call, search, sqlite_column, vote

# --- a full or read-only disk ------------------------------------------------------------------

FAULTS = {
    # SQLite's own disk-full path (SQLITE_FULL): no page may be added to the file.
    "disk-full": ("max_page_count = 1", errno.ENOSPC),
    # A database that refuses every write (SQLITE_READONLY), as on a read-only mount.
    "read-only": ("query_only = 1", errno.EROFS),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_full_or_read_only_disk_refuses_ratings_and_keeps_search(
    fault, built_sample, tmp_path, monkeypatch, caplog
):
    pragma, code = FAULTS[fault]
    data = copy_data_dir(built_sample, tmp_path / "var")
    settings = load_settings(
        {
            "data_dir": data,
            "site_dir": built_sample.site_dir,
            "internal_site_dir": built_sample.internal_site_dir,
            "rating_limit_per_address": 100000,
        },
        environ={},
    )
    setup = open_store(None, data)
    setup.upgrade()
    setup.dispose()
    app = create_portal_app(settings)
    client = app.test_client()
    storage: Storage = app.extensions["kb_storage"]
    article = "shopease-account-locked"
    answers: dict[str, int] = {}

    def rate(n: int) -> Any:
        token = str(uuid.uuid4())
        response = client.post(
            f"/api/articles/{article}/ratings",
            json={
                "helpful": False,
                "reason": "unclear",
                "comment": f"{n} 看不懂 " + "x" * 900,
                "client_token": token,
            },
        )
        answers[token] = response.status_code
        return response

    assert all(rate(n).status_code == 201 for n in range(3))

    # The fault: every new database connection is limited, and the spool cannot be written.
    def limit(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA {pragma}")

    def no_space(path: Any, *args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code), str(path))

    engines = (storage.store.engine, storage.store.events_engine)
    for engine in engines:
        event.listen(engine, "connect", limit)
        engine.dispose()
    monkeypatch.setattr(kbcore.events, "open", no_space, raising=False)

    refused = [rate(n) for n in range(3, 30)]
    assert {r.status_code for r in refused} <= {201, 503}
    assert refused[-1].status_code == 503  # the disk did fill up
    for response in refused:
        if response.status_code == 503:
            assert response.get_json()["error"]["code"] == "storage_unavailable"
            assert response.headers["Retry-After"] == "5"
    for _ in range(5):
        response = client.get("/api/search", query_string={"q": LOGIN})
        assert response.status_code == 200 and response.get_json()["total"] > 0
    if fault == "read-only":
        assert "spooling a search event failed, event dropped" in caplog.text

    # Space again: new ratings are stored; only acknowledged ones ever were.
    for engine in engines:
        event.remove(engine, "connect", limit)
        engine.dispose()
    monkeypatch.undo()
    assert all(rate(n).status_code == 201 for n in range(30, 33))
    storage.store.dispose()
    stored = sqlite_column(data, "SELECT client_token FROM ratings")
    assert sorted(stored) == sorted(token for token, status in answers.items() if status == 201)
    assert sqlite_column(data, "PRAGMA integrity_check") == ["ok"]


# --- PostgreSQL going away ---------------------------------------------------------------------


class TcpProxy:
    """Forward a local port to PostgreSQL; ``cut()`` drops every connection and refuses new
    ones, as a stopped server does; ``restore()`` listens again on the same port."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        listener.settimeout(0.05)
        self._stop.clear()
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()

    def _accept(self, listener: socket.socket) -> None:
        with listener:
            while not self._stop.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                try:
                    server = socket.create_connection(self.upstream, timeout=5)
                except OSError:
                    client.close()
                    continue
                with self._lock:
                    self._pairs.append((client, server))
                threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    def _pipe(self, client: socket.socket, server: socket.socket) -> None:
        peer = {client: server, server: client}
        with selectors.DefaultSelector() as selector:
            for sock in peer:
                sock.setblocking(True)
                selector.register(sock, selectors.EVENT_READ)
            try:
                while not self._stop.is_set():
                    for key, _ in selector.select(timeout=0.05):
                        data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                        if not data:
                            return
                        peer[key.fileobj].sendall(data)  # type: ignore[index]
            except OSError:
                return
            finally:
                for sock in peer:
                    sock.close()

    def cut(self) -> None:
        """Stop listening and drop every forwarded connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                with suppress(OSError):  # already closed by its pipe
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def restore(self) -> None:
        self.start()


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    url = make_url(database_url)
    forwarder = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    forwarder.start()
    yield forwarder
    forwarder.cut()


@pytest.mark.e2e
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_cut_mid_run(database_url, proxy, built_sample, tmp_path):
    data = copy_data_dir(built_sample, tmp_path / "var")
    through_proxy = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    env = {"KB_DATABASE_URL": through_proxy.render_as_string(hide_password=False)}
    article = "shopease-account-locked"
    attempted: list[str] = []
    acknowledged: set[str] = set()
    refused: set[str] = set()
    logged: list[str] = []  # search ids answered (each one logged)
    clicked: set[tuple[str, str]] = set()

    def rate(base: str) -> int:
        token = str(uuid.uuid4())
        attempted.append(token)
        began = time.monotonic()
        status, headers, body = vote(base, article, token)
        assert time.monotonic() - began < 5, "a rating waited on the database"
        if status in (200, 201):
            acknowledged.add(token)
        else:
            assert (status, body["error"]["code"]) == (503, "storage_unavailable"), body
            assert headers["Retry-After"] == "5"
            refused.add(token)
        return status

    def search_and_click(base: str) -> None:
        status, _, body = search(base, LOGIN)
        assert status == 200 and body["total"] > 0
        logged.append(body["search_id"])
        pair = (body["search_id"], body["results"][0]["id"])
        status, _, _ = call(
            base, "POST", f"/api/searches/{pair[0]}/clicks", {"article_id": pair[1]}
        )
        assert status == 202
        clicked.add(pair)

    direct = open_store(database_url, data)
    spool = EventLog(direct, data / "spool")
    try:
        with serving(built_sample.site_dir, data, tmp_path / "serve.log", env=env) as base:
            assert [rate(base) for _ in range(3)] == [201] * 3
            for _ in range(3):
                search_and_click(base)
            assert spool.pending() == 0

            proxy.cut()
            assert [rate(base) for _ in range(3)] == [503] * 3
            for _ in range(4):
                search_and_click(base)
            assert spool.pending() == 8  # 4 searches and their clicks

            proxy.restore()
            assert [rate(base) for _ in range(3)] == [201] * 3
            search_and_click(base)  # stored, and then the spool is replayed
            assert spool.pending() == 0

        assert not refused & acknowledged
        with direct.reading() as conn:
            stored = [row.client_token for row in conn.execute(select(ratings))]
            stored_searches = [row.search_id for row in conn.execute(select(searches))]
            stored_clicks = [(r.search_id, r.article_id) for r in conn.execute(select(clicks))]
        assert len(stored) == len(set(stored))
        assert acknowledged <= set(stored) <= set(attempted)
        assert not refused & set(stored)  # refused before anything reached the database
        assert sorted(stored_searches) == sorted(logged)
        assert sorted(stored_clicks) == sorted(clicked)
    finally:
        direct.dispose()
