"""Index faults, with real processes and real files: a build killed halfway, a damaged index.
(Storage faults are in tests/test_faults_storage.py.)

Each case states what the reader sees (search keeps answering, a rating is never acknowledged
without being stored) and what is left on disk afterwards.
"""

from __future__ import annotations

import gc
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

import search_api
from kbcore.index import IndexError_, check_files, index_root, open_current
from kbcore.search import SearchEngine, SearchRequest
from search_api.state import CheckedEngine
from tests.conftest import (
    KB_BIN,
    SAMPLE_KB,
    Built,
    article_text,
    copy_data_dir,
    serving,
    wait_for,
    write,
)

LOGIN = "登录"  # finds several articles of the sample, and both of the small knowledge base
SMALL_KB = ["shopease-login-password", "shopease-refund-waiting"]


# --- helpers -----------------------------------------------------------------------------------


def call(
    base: str, method: str, path: str, body: Any = None, timeout: float = 15
) -> tuple[int, dict[str, str], Any]:
    """Send one request; return the status, headers and JSON body."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, dict(response.headers), json.loads(raw)
    finally:
        conn.close()


def search(base: str, q: str, **params: str) -> tuple[int, dict[str, str], Any]:
    return call(base, "GET", "/api/search?" + urlencode({"q": q, **params}))


def vote(base: str, article: str, token: str) -> tuple[int, dict[str, str], Any]:
    body = {"helpful": True, "client_token": token}
    return call(base, "POST", f"/api/articles/{quote(article)}/ratings", body)


def ids(body: dict[str, Any]) -> list[str]:
    return [hit["id"] for hit in body["results"]]


def small_kb(kb_dir: Path) -> Path:
    """Two articles: fast to build, and told apart from the sample by what they find."""
    write(kb_dir, "articles/login.md", article_text())
    write(
        kb_dir,
        "articles/refund.md",
        article_text("shopease-refund-waiting", title="退款一直显示退款中", tags="[退款]"),
    )
    return kb_dir


def kb_build(kb_dir: Path, site_dir: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KB_BIN, "build", "--kb", kb_dir, "--site-dir", site_dir, "--data-dir", data_dir],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def generations(root: Path) -> set[str]:
    return {path.name for path in root.glob("gen-*")}


def writing(root: Path, known: set[str]) -> Path | None:
    """A new generation that Whoosh has started writing segment files into, if there is one."""
    for name in generations(root) - known:
        path = root / name
        if any(path.glob("*.trm")):
            return path
    return None


def biggest_index_file(generation: Path) -> Path:
    """The generation's largest Whoosh file (the postings): where damage surely hurts."""
    return max(
        (p for p in generation.iterdir() if p.name != "meta.json"), key=lambda p: p.stat().st_size
    )


def sqlite_column(data_dir: Path, query: str) -> list[Any]:
    """The first column of ``query``'s rows, read from the data dir's SQLite file."""
    with closing(sqlite3.connect(data_dir / "kb.sqlite")) as conn:
        return [row[0] for row in conn.execute(query)]


# --- the search index --------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_build_killed_while_writing_the_index_changes_nothing(built_sample, kb_dir, tmp_path):
    data = copy_data_dir(built_sample, tmp_path / "var")
    root = index_root(data)
    before = os.readlink(root / "current")
    known = generations(root)
    site = tmp_path / "site"
    with serving(built_sample.site_dir, data, tmp_path / "serve.log") as base:
        status, _, first = search(base, LOGIN)
        assert status == 200 and len(ids(first)) > 1
        with (tmp_path / "build.log").open("wb") as out:
            # The sample, every article indexed again (--full): long enough to be caught at it.
            builder = subprocess.Popen(
                [KB_BIN, "build", "--full", "--kb", SAMPLE_KB, "--site-dir", site]
                + ["--data-dir", data],
                stdout=out,
                stderr=subprocess.STDOUT,
                # Its staging folder outlives it: keep that out of the system's temp dir.
                env={**os.environ, "TMPDIR": str(tmp_path)},
            )
        try:
            partial = wait_for(
                lambda: writing(root, known), "the build to write the index", timeout=90
            )
            os.kill(builder.pid, signal.SIGKILL)
        finally:
            builder.wait(timeout=30)
        assert builder.returncode == -signal.SIGKILL

        # Nothing moved: the server answers from the old generation, as before.
        assert os.readlink(root / "current") == before
        assert not (partial / "meta.json").exists()
        for _ in range(3):
            status, _, body = search(base, LOGIN)
            assert (status, ids(body)) == (200, ids(first))

        # The next build succeeds, removes what the killed one left, and the server follows.
        result = kb_build(small_kb(kb_dir), site, data)
        assert result.returncode == 0, result.stdout + result.stderr
        after = os.readlink(root / "current")
        assert not partial.exists()
        assert generations(root) == known | {after}
        assert sorted(p.name for p in tmp_path.glob(".site.*")) == []
        status, _, body = search(base, LOGIN)
        assert (status, sorted(ids(body))) == (200, SMALL_KB)


@pytest.mark.e2e
def test_a_damaged_index_answers_503_fast_until_the_next_build(built_sample, kb_dir, tmp_path):
    data = copy_data_dir(built_sample, tmp_path / "var")
    root = index_root(data)
    log = tmp_path / "serve.log"
    with serving(built_sample.site_dir, data, log) as base:
        assert search(base, LOGIN)[0] == 200
        generation = root / os.readlink(root / "current")
        segment = biggest_index_file(generation)
        os.truncate(segment, segment.stat().st_size // 2)

        for _ in range(3):
            began = time.monotonic()
            status, headers, body = search(base, LOGIN)
            took = time.monotonic() - began
            assert status == 503, body
            assert body["error"]["code"] == "search_unavailable"
            assert "kb build" in body["error"]["message"]
            assert "Traceback" not in json.dumps(body)
            assert headers["Retry-After"] == "5"
            assert took < 1.0
        # Completions come from the generation's meta.json, read when it was opened: they stay.
        status, _, body = call(base, "GET", "/api/suggest?" + urlencode({"q": "商家"}))
        assert status == 200 and body["suggestions"]
        # The log names the damaged file for the operator; no traceback anywhere.
        text = log.read_text("utf-8", errors="replace")
        assert f"{segment}: expected the index file as built" in text
        assert "Traceback" not in text
        # The failed searches were not logged as searches that found nothing.
        assert len(sqlite_column(data, "SELECT search_id FROM searches")) == 1

        result = kb_build(small_kb(kb_dir), tmp_path / "site", data)
        assert result.returncode == 0, result.stdout + result.stderr
        status, _, body = search(base, LOGIN)
        assert (status, sorted(ids(body))) == (200, SMALL_KB)


@pytest.fixture
def generation_copy(built_sample: Built, tmp_path: Path) -> Path:
    """A copy of the sample's current generation, free to damage."""
    source = index_root(built_sample.data_dir)
    target = tmp_path / "index"
    target.mkdir()
    name = os.readlink(source / "current")
    shutil.copytree(source / name, target / name)
    (target / "current").symlink_to(name)
    return target


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_garbled_file_of_the_same_size_is_named(generation_copy):
    opened = open_current(generation_copy)
    check_files(opened.path, opened.meta)  # intact
    engine = CheckedEngine(opened, time_budget=0.5)
    segment = biggest_index_file(opened.path)
    with segment.open("r+b") as handle:
        handle.write(b"\xa5" * 4096)  # the header and the first postings
    with pytest.raises(IndexError_) as damaged:
        engine.search(SearchRequest(q=LOGIN))
    assert str(damaged.value) == (
        f"{segment}: expected the index file as built ({segment.stat().st_size} bytes, sha256 "
        f"{opened.meta.files[segment.name].sha256[:12]}…), found other content of the same size; "
        "the index is damaged (rebuild it with `kb build`)"
    )
    # Later searches fail at once, without reading the files again.
    began = time.monotonic()
    with pytest.raises(IndexError_):
        engine.search(SearchRequest(q=LOGIN))
    assert time.monotonic() - began < 0.05
    # Whoosh leaves the damaged file open when it fails; it is closed when collected.
    del damaged
    gc.collect()


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_damaged_table_of_contents_answers_503_not_500(generation_copy):
    generation = generation_copy / os.readlink(generation_copy / "current")
    toc = next(generation.glob("*.toc"))
    os.truncate(toc, toc.stat().st_size // 2)
    with pytest.raises(IndexError_) as refused:
        open_current(generation_copy)
    assert str(refused.value).startswith(f"{toc}: expected the index file as built (")
    client = search_api.create_app({"data_dir": generation_copy.parent}).test_client()
    response = client.get("/api/search", query_string={"q": LOGIN})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "index_unavailable"
    # Whoosh leaves the table of contents open when it fails; it is closed when collected.
    del refused
    gc.collect()


def test_a_failure_over_intact_files_is_not_hidden(generation_copy, monkeypatch):
    def broken(self: SearchEngine, *args: Any) -> Any:
        raise ZeroDivisionError("a bug, not a damaged file")

    monkeypatch.setattr(SearchEngine, "_stages", broken)
    with CheckedEngine(open_current(generation_copy), time_budget=0.5) as engine:
        for _ in range(2):  # checked once, then known intact
            with pytest.raises(ZeroDivisionError):
                engine.search(SearchRequest(q=LOGIN))
