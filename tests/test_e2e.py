"""The real `kb serve` process: the portal and its API over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.e2e


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_home_page(server):
    status, headers, body = get(server + "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    html = body.decode("utf-8")
    assert "青禾软件帮助中心" in html
    assert "轻舟商城" in html and "账号与登录" in html


def test_article_page(server, built_sample):
    manifest = json.loads((built_sample.data_dir / "manifest.json").read_text("utf-8"))
    entry = next(e for e in manifest["articles"] if e["lang"] == "zh-Hans")
    status, _, body = get(server + entry["url"])
    assert status == 200
    assert entry["title"] in body.decode("utf-8")
    # Without the trailing slash the folder redirects to it.
    status, _, body = get(server + entry["url"].rstrip("/"))
    assert status == 200 and entry["title"] in body.decode("utf-8")


def test_static_assets_are_served(server):
    status, headers, _ = get(server + "/assets/kb/kb.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")


def test_unknown_page_gets_the_portal_404(server):
    status, headers, body = get(server + "/articles/does-not-exist/")
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert "404" in body.decode("utf-8")


def test_path_traversal_is_refused(server):
    status, _, body = get(server + "/..%2f..%2fetc/passwd")
    assert status == 404
    assert b"root:" not in body


def test_health(server, built_sample):
    status, headers, body = get(server + "/api/health")
    assert status == 200 and headers["Content-Type"] == "application/json"
    data = json.loads(body)
    manifest = json.loads((built_sample.data_dir / "manifest.json").read_text("utf-8"))
    assert data["status"] == "ok" and data["articles"] == len(manifest["articles"])


def test_unknown_api_path_uses_the_json_error_shape(server):
    status, headers, body = get(server + "/api/nothing-here")
    assert status == 404 and headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == "not_found" and error["message"] and error["request_id"]
