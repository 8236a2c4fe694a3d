"""Shared fixtures: a scratch knowledge base, the sample site built once, the real server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from bench.common import free_port
from generator.cli import cli

REPO = Path(__file__).resolve().parent.parent
SAMPLE_KB = REPO / "kb"
MKDOCS_YML = REPO / "mkdocs.yml"
KB_BIN = Path(sys.executable).parent / "kb"

GOOD_ARTICLE = """\
---
id: {id}
title: 登录商家后台时提示密码错误
summary: 修改密码策略后，收银员登录提示“用户名或密码错误”。
type: troubleshooting
lang: zh-Hans
product: shopease
versions: ["5.3"]
category: account-login
tags: [登录]
keywords: [登陆不上]
error_codes: [E1001]
severity: high
audience: public
status: validated
owner: li.na
updated: 2026-10-01
review_by: 2099-01-01
{extra}---

## 现象

登录时提示“用户名或密码错误（E1001）”。

## 环境

轻舟商城 5.3。

## 原因

密码策略变更后旧密码失效。

## 解决方法

1. 重置密码。
"""


def article_text(id: str = "shopease-login-password", extra: str = "", **replace: str) -> str:
    """Return a valid article, with front-matter lines replaced (``field="new value"``)."""
    text = GOOD_ARTICLE.format(id=id, extra=extra)
    for field, value in replace.items():
        lines = text.split("\n")
        lines = [f"{field}: {value}" if line.startswith(f"{field}:") else line for line in lines]
        text = "\n".join(lines)
    return text


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the caller's KB_* variables out of every test."""
    for name in list(os.environ):
        if name.startswith("KB_") and name != "KB_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """An empty knowledge base with the sample's categories, products and site settings."""
    root = tmp_path / "kb"
    (root / "articles").mkdir(parents=True)
    for name in ("categories.yml", "products.yml", "site.yml"):
        shutil.copy(SAMPLE_KB / name, root / name)
    return root


def write(root: Path, relative: str, text: str) -> Path:
    """Write ``text`` to ``root/relative``, creating folders."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@dataclass(frozen=True)
class Built:
    site_dir: Path
    data_dir: Path
    internal_site_dir: Path


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample knowledge base built once, both portals, through the CLI, for the session."""
    out = tmp_path_factory.mktemp("sample")
    built = Built(out / "site", out / "var", out / "site-internal")
    for audience, site_dir in (("public", built.site_dir), ("internal", built.internal_site_dir)):
        result = CliRunner().invoke(
            cli,
            [
                "build",
                "--kb",
                str(SAMPLE_KB),
                "--audience",
                audience,
                "--site-dir",
                str(site_dir),
                "--data-dir",
                str(built.data_dir),
            ],
        )
        assert result.exit_code == 0, result.output
    return built


def wait_for(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def serving(
    site_dir: Path,
    data_dir: Path,
    log: Path,
    *,
    internal_site_dir: Path | None = None,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    timeout: float = 20.0,
) -> Iterator[str]:
    """Run `kb serve` for real on a free port over ``site_dir`` and ``data_dir``; yield its URL.

    ``internal_site_dir`` is the agents' site it serves at /internal/; ``env`` adds KB_* settings
    and ``args`` more options; ``timeout`` is how long it may take to answer.
    """
    port = free_port()
    internal = ["--internal-site-dir", str(internal_site_dir)] if internal_site_dir else []
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(KB_BIN),
                "serve",
                "--port",
                str(port),
                "--site-dir",
                str(site_dir),
                "--data-dir",
                str(data_dir),
                *internal,
                *args,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/api/health", timeout)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        print(log.read_text("utf-8", errors="replace"))


def copy_data_dir(built: Built, target: Path) -> Path:
    """The sample's manifest and index, without its database, spool or key."""
    shutil.copytree(
        built.data_dir,
        target,
        symlinks=True,
        ignore=shutil.ignore_patterns("kb.sqlite*", "secret_key", "spool"),
    )
    return target


@pytest.fixture(scope="session")
def server(built_sample: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kb serve` running for real on a free port; yields its base URL."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with serving(built_sample.site_dir, built_sample.data_dir, log) as base:
        yield base


PG_ENV = "KB_TEST_DATABASE_URL"


def _libpq_url(url: str) -> str:
    """The URL as psycopg takes it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend: a SQLite file, or a fresh PostgreSQL schema.

    PostgreSQL runs when ``KB_TEST_DATABASE_URL`` names a database the tests may create schemas
    in; each test gets its own schema (chosen by ``search_path`` in the URL), dropped afterwards.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kb.sqlite'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(
            f"PostgreSQL: set {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test) to run"
        )
    import psycopg

    admin_url = _libpq_url(base)
    schema = f"kb_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute("SET lock_timeout = '20s'")
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
