"""The deploy/ example for real: two API processes (two "hosts") under gunicorn with
deploy/gunicorn.conf.py, one shared database; votes and searches made on either end up in one
backlog and one set of ratings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bench.common import free_port
from generator.cli import cli
from tests.conftest import REPO, Built, copy_data_dir, wait_http

pytestmark = pytest.mark.e2e

GUNICORN = Path(sys.executable).parent / "gunicorn"
ARTICLE = "deskmate-receipt-printer-offline"
SECRET = "one-key-for-every-host-0123456789"


@contextmanager
def host(data_dir: Path, database_url: str, log: Path) -> Iterator[str]:
    """One API host: gunicorn with the deploy/ configuration, on a free port."""
    port = free_port()
    env = {
        **os.environ,
        "KB_BIND": f"127.0.0.1:{port}",
        "KB_WORKERS": "1",
        "KB_DATA_DIR": str(data_dir),
        "KB_DATABASE_URL": database_url,
        "KB_SECRET_KEY": SECRET,
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", str(REPO / "deploy" / "gunicorn.conf.py")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/api/health", 60)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def call(url: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"} if data else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_two_hosts_share_one_backlog_and_one_set_of_ratings(
    built_sample: Built, database_url: str, tmp_path: Path
):
    env = {"KB_DATABASE_URL": database_url, "KB_DATA_DIR": str(tmp_path / "var")}
    copy_data_dir(built_sample, tmp_path / "var")
    upgraded = CliRunner().invoke(cli, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    with ExitStack() as stack:
        hosts = [
            stack.enter_context(host(tmp_path / "var", database_url, tmp_path / f"host{n}.log"))
            for n in (1, 2)
        ]
        for n, base in enumerate(hosts, 1):
            q = urllib.parse.quote(f"zzqx{n} vvkkpp")
            status, found = call(f"{base}/api/search?q={q}")
            assert status == 200 and found["total"] == 0
            # Found an article, opened it, and it did not help: the rating carries the search.
            status, found = call(f"{base}/api/search?q={urllib.parse.quote('小票打印机 脱机')}")
            assert found["results"][0]["id"] == ARTICLE
            vote = {
                "helpful": False,
                "reason": "outdated",
                "client_token": str(uuid.uuid4()),
                "search_id": found["search_id"],
            }
            assert call(f"{base}/api/articles/{ARTICLE}/ratings", vote)[0] == 201
        for base in hosts:
            assert call(f"{base}/api/articles/{ARTICLE}/ratings")[1]["not_helpful"] == 2

    backlog = CliRunner().invoke(cli, ["backlog", "--format", "json"], env=env)
    assert backlog.exit_code == 0, backlog.output
    items = json.loads(backlog.stdout)
    examples = {q for item in items for q in item["examples"]}
    assert {"zzqx1 vvkkpp", "zzqx2 vvkkpp"} <= examples
    [rated] = [i for i in items if "小票打印机 脱机" in i["examples"]]
    assert (rated["searches"], rated["not_helpful"]) == (2, 2)  # one from each host
