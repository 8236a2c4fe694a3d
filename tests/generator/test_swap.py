"""A new site replaces the live one without a moment when readers find nothing."""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import pytest
from flask import send_from_directory

from generator import static, swap
from generator.server import create_portal_app
from kbcore.config import load_settings
from tests.conftest import Built, copy_data_dir


def site(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "index.html").write_text(text, encoding="utf-8")
    return path


@pytest.mark.skipif(sys.platform != "linux", reason="renameat2 is Linux's")
def test_two_folders_are_exchanged_in_one_step(tmp_path):
    first, second = site(tmp_path / "a", "a"), site(tmp_path / "b", "b")
    assert swap.exchange(first, second)
    assert (first / "index.html").read_text() == "b"
    assert (second / "index.html").read_text() == "a"
    with pytest.raises(FileNotFoundError):
        swap.exchange(first, tmp_path / "missing")


@pytest.mark.skipif(sys.platform != "linux", reason="renameat2 is Linux's")
def test_readers_never_find_the_live_folder_missing(tmp_path):
    live = site(tmp_path / "site", "0")
    missing: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            if not (live / "index.html").is_file():
                missing.append(1)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for build in range(1, 200):
            swap.replace_folder(site(tmp_path / "new", str(build)), live, tmp_path / "old")
            assert (tmp_path / "old" / "index.html").read_text() == str(build - 1)
            shutil.rmtree(tmp_path / "old")
    finally:
        stop.set()
        reader.join()
    assert (live / "index.html").read_text() == "199"
    assert missing == []


def test_without_an_exchange_the_old_folder_is_renamed_first(tmp_path, monkeypatch):
    monkeypatch.setattr(swap, "exchange", lambda first, second: False)
    live = tmp_path / "site"
    swap.replace_folder(site(tmp_path / "new", "1"), live, tmp_path / "old")  # no site yet
    assert not (tmp_path / "old").exists()
    swap.replace_folder(site(tmp_path / "new", "2"), live, tmp_path / "old")
    assert (live / "index.html").read_text() == "2"
    assert (tmp_path / "old" / "index.html").read_text() == "1"
    assert not (tmp_path / "new").exists()


def test_a_page_a_new_site_took_away_meanwhile_is_not_found_not_an_error(
    built_sample: Built, tmp_path, monkeypatch
):
    """werkzeug looks for the file, then opens it: a site swapped in between without the page
    gives the 404 page."""
    live = tmp_path / "site"
    shutil.copytree(built_sample.site_dir, live)
    settings = load_settings(
        {"site_dir": live, "data_dir": copy_data_dir(built_sample, tmp_path / "var")}
    )
    client = create_portal_app(settings).test_client()

    def swapped_meanwhile(directory, path, **kwargs):
        (live / path).unlink()
        return send_from_directory(directory, path, **kwargs)

    monkeypatch.setattr(static, "send_from_directory", swapped_meanwhile)
    response = client.get("/")
    assert response.status_code == 404
    assert response.data == (live / "404.html").read_bytes()
    (live / "404.html").unlink()  # and no 404 page either
    assert client.get("/find/").status_code == 404
