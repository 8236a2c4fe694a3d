"""Rebuilds never disturb readers: searches during `kb build` keep answering in full."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.request

import pytest

from bench.common import free_port
from tests.conftest import KB_BIN, SAMPLE_KB, wait_http

pytestmark = pytest.mark.e2e


def build(site, data, *extra, env=None):
    return subprocess.run(
        [
            str(KB_BIN),
            "build",
            "--kb",
            str(SAMPLE_KB),
            "--site-dir",
            str(site),
            "--data-dir",
            str(data),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_searches_during_rebuilds_never_fail_or_come_back_empty(tmp_path):
    site, data = tmp_path / "site", tmp_path / "var"
    assert build(site, data).returncode == 0
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [
            str(KB_BIN),
            "serve",
            "--port",
            str(port),
            "--site-dir",
            str(site),
            "--data-dir",
            str(data),
        ],
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    answers: list[tuple[int, int]] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                with urllib.request.urlopen(
                    base + "/api/search?q=%E7%99%BB%E5%BD%95", timeout=10
                ) as response:
                    answers.append((response.status, json.load(response)["total"]))
            except OSError as error:  # HTTPError included: any failure is recorded
                answers.append((getattr(error, "code", 0), 0))
            try:
                with urllib.request.urlopen(base + "/", timeout=10) as response:
                    answers.append((response.status, 1))
            except OSError as error:
                answers.append((getattr(error, "code", 0), 0))

    try:
        wait_http(base + "/api/health")
        threads = [threading.Thread(target=hammer) for _ in range(2)]
        for thread in threads:
            thread.start()
        generations = set()
        for _ in range(2):  # --full: a new index generation each time, swapped in under load
            assert build(site, data, "--full").returncode == 0
            generations.add(os.readlink(data / "index" / "current"))
            time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=10)
        log.close()
    assert len(generations) == 2
    assert len(answers) > 20
    failures = [answer for answer in answers if answer[0] != 200 or answer[1] == 0]
    assert failures == []


def test_failed_build_keeps_the_index_serving(tmp_path):
    site, data = tmp_path / "site", tmp_path / "var"
    assert build(site, data).returncode == 0
    current = os.readlink(data / "index" / "current")
    broken = tmp_path / "mkdocs.yml"
    broken.write_text("theme:\n  name: does-not-exist\n")
    result = build(site, data, env={"KB_MKDOCS_CONFIG": str(broken)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert os.readlink(data / "index" / "current") == current
    assert sorted(p.name for p in (data / "index").iterdir() if p.name.startswith("gen-")) == [
        current
    ]
