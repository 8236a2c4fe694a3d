"""The search API over the sample knowledge base: relevance, safety and the error shape."""

from __future__ import annotations

import dataclasses
import time

import pytest

import search_api
from kbcore.index import index_root
from tests.conftest import SAMPLE_KB, copy_data_dir

AGENT_TOKEN = "agent-secret-token"


@pytest.fixture(scope="module")
def client(built_sample):
    app = search_api.create_app({"data_dir": built_sample.data_dir, "agent_tokens": AGENT_TOKEN})
    return app.test_client()


@pytest.fixture(scope="module")
def sample():
    from generator.knowledge import load_knowledge_base
    from generator.problems import Problems

    return load_knowledge_base(SAMPLE_KB, Problems())


def search(client, q, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/api/search", query_string={"q": q, **params}, headers=headers)


def test_response_shape(client):
    response = search(client, "登录")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {
        "search_id",
        "query",
        "total",
        "page",
        "per_page",
        "results",
        "facets",
        "suggestion",
        "fallback",
    }
    assert body["total"] >= len(body["results"]) > 0
    hit = body["results"][0]
    assert set(hit) == {
        "id",
        "title",
        "url",
        "snippet",
        "score",
        "type",
        "product",
        "lang",
        "section",
    }
    assert hit["url"].startswith(f"/articles/{hit['id']}/")
    assert "<mark>" in hit["snippet"]
    assert set(body["facets"]) == {"product", "type", "lang"}
    # An article counts once, whatever the languages it is written in.
    assert sum(body["facets"]["product"].values()) == body["total"]
    assert sum(body["facets"]["type"].values()) == body["total"]
    assert max(body["facets"]["lang"].values()) <= body["total"]
    ids = [hit["id"] for hit in body["results"]]
    assert len(
        {i.removesuffix("-en").removesuffix("-zh-hant").removesuffix("-hant") for i in ids}
    ) == len(ids)


def test_section_deep_link(client, built_sample):
    hit = search(client, "E1042 解决方法").get_json()["results"][0]
    page, _, anchor = hit["url"].partition("#")
    assert anchor and hit["section"]
    html = (built_sample.site_dir / page.strip("/") / "index.html").read_text("utf-8")
    assert f'id="{anchor}"' in html


def test_snippets_are_escaped(client, sample):
    for q in ["<script>alert(1)</script> 登录", '"><img src=x onerror=alert(1)>']:
        body = search(client, q).get_json()
        for hit in body["results"]:
            cleaned = hit["snippet"].replace("<mark>", "").replace("</mark>", "")
            assert "<" not in cleaned and ">" not in cleaned


def test_filters_and_pages(client):
    all_hits = search(client, "登录").get_json()
    product = next(iter(all_hits["facets"]["product"]))
    filtered = search(client, "登录", product=product).get_json()
    assert filtered["total"] == all_hits["facets"]["product"][product]
    assert {h["product"] for h in filtered["results"]} == {product}
    en = search(client, "login", lang="en").get_json()
    assert en["results"] and {h["lang"] for h in en["results"]} == {"en"}
    first = search(client, "登录", per_page=2).get_json()
    second = search(client, "登录", per_page=2, page=2).get_json()
    assert len(first["results"]) == 2
    assert not {h["id"] for h in first["results"]} & {h["id"] for h in second["results"]}


def test_fallbacks(client):
    typo = search(client, "printr offlne").get_json()
    assert typo["fallback"] in ("fuzzy", "any-term") and typo["results"]
    assert typo["suggestion"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "q: expected text of 1 to 200 characters, found nothing"),
        ({"q": "   "}, "q: expected text of 1 to 200 characters, found nothing"),
        ({}, "q: expected text of 1 to 200 characters, found nothing"),
        ({"q": "x" * 201}, "q: expected at most 200 characters, found 201"),
        ({"q": "a\x00b"}, "q: expected text, found a NUL or an invalid character"),
        ({"q": "x", "lang": "fr"}, "lang: expected one of zh-Hans, zh-Hant, en, found 'fr'"),
        (
            {"q": "x", "type": "guide"},
            "type: expected one of troubleshooting, howto, faq, known-issue, found 'guide'",
        ),
        ({"q": "x", "page": "0"}, "page: expected an integer from 1 to 100, found '0'"),
        ({"q": "x", "page": "abc"}, "page: expected an integer from 1 to 100, found 'abc'"),
        ({"q": "x", "per_page": "51"}, "per_page: expected an integer from 1 to 50, found '51'"),
    ],
)
def test_bad_parameters_get_400(client, params, message):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["message"] == message
    assert error["request_id"]


HOSTILE = [
    "*",
    "*a*",
    "?*?*",
    "a*",
    "kafka~9",
    "title:登录",
    "body:(kafka",
    "[a TO z]",
    "a^5",
    "AND OR NOT",
    "(((",
    "::",
    '"unterminated',
    "登录 OR 1=1 --",
    "🙂🙃" * 20,
    "\u202egnp.exe",
    "ＫＡＦＫＡ",
    "%ED%A0%80ab",
    " ".join(["登录"] * 60)[:200],
    " ".join(f"w{i}" for i in range(60))[:200],
    "\u200b\u200b\u200b",
    "\t\n",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_answer_fast_and_never_500(client, q):
    started = time.monotonic()
    response = search(client, q)
    assert response.status_code in (200, 400)
    assert time.monotonic() - started < 1.0
    assert "error" in response.get_json() or "results" in response.get_json()


def test_lone_surrogate_in_query_string(client):
    response = client.get("/api/search?q=%ED%A0%80")
    assert response.status_code in (200, 400)


def test_internal_articles_need_an_agent_token(client, sample):
    internal = [
        a for a in sample.articles if a.meta.audience == "internal" and a.meta.status != "draft"
    ]
    assert internal
    for article in internal:
        anonymous = search(client, article.meta.title).get_json()
        assert article.id not in {h["id"] for h in anonymous["results"]}
        agent = search(client, article.meta.title, token=AGENT_TOKEN).get_json()
        assert article.id in {h["id"] for h in agent["results"][:3]}
        suggestions = client.get("/api/suggest", query_string={"q": article.meta.title[:4]})
        assert article.meta.title not in {s["text"] for s in suggestions.get_json()["suggestions"]}


def test_bad_agent_token_is_401(client):
    response = search(client, "登录", token="wrong")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_suggest(client):
    body = client.get("/api/suggest", query_string={"q": "商家"}).get_json()
    assert 0 < len(body["suggestions"]) <= 8
    assert all("商家" in s["text"] for s in body["suggestions"])
    assert client.get("/api/suggest").status_code == 400


def test_no_index_is_503(tmp_path):
    client = search_api.create_app({"data_dir": tmp_path}).test_client()
    response = client.get("/api/search?q=x")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "index_unavailable"


def test_index_of_another_schema_version_is_refused(built_sample, tmp_path):
    import json
    import shutil

    data = tmp_path / "var"
    shutil.copytree(index_root(built_sample.data_dir), index_root(data), symlinks=True)
    current = index_root(data) / "current"
    meta = current / "meta.json"
    raw = json.loads(meta.read_text())
    raw["schema_version"] = 999
    meta.write_text(json.dumps(raw))
    client = search_api.create_app({"data_dir": data}).test_client()
    response = client.get("/api/search?q=x")
    assert response.status_code == 503


def test_openapi_describes_every_endpoint(client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/api/health", "/api/search", "/api/suggest"}


def test_the_service_alone_reports_its_health(built_sample, tmp_path):
    ready = search_api.create_app({"data_dir": built_sample.data_dir}).test_client()
    body = ready.get("/api/health").get_json()
    assert body["status"] == "ok" and body["articles"] == 60
    empty = search_api.create_app({"data_dir": tmp_path}).test_client().get("/api/health")
    assert empty.status_code == 503 and empty.get_json()["error"]["code"] == "not_built"


def test_two_swapped_letters_are_one_edit(client):
    swapped = search(client, "usb pritner").get_json()
    assert swapped["fallback"] == "fuzzy"
    assert "deskmate-macos-usb-printer-blank-en" in {h["id"] for h in swapped["results"]}
    assert swapped["suggestion"] == "usb printer"


def test_words_spelled_right_are_not_corrected(client):
    # Stop words, and words the index holds only as stems ("printing" → print), are known words.
    for q in ("why is the printer not printing from the register", "How can I reset my password"):
        assert search(client, q).get_json()["suggestion"] is None, q


def test_an_updated_generation_finds_the_new_text_and_not_the_removed_article(
    built_sample, sample, tmp_path
):
    from generator.indexer import update_generation
    from kbcore.index import build_lock, open_current, promote
    from kbcore.search import SearchEngine, SearchRequest

    root = index_root(copy_data_dir(built_sample, tmp_path / "var"))
    removed = "deskmate-macos-usb-printer-blank-en"
    changed = next(a for a in sample.articles if a.id == "deskmate-cash-drawer-not-opening")
    edited = dataclasses.replace(changed, body=changed.body + "\n\nZyxwarble checklist.\n")
    with build_lock(root):
        promote(root, update_generation(sample, root, root / "current", [edited], [removed]))
    with SearchEngine(open_current(root)) as engine:
        printer = engine.search(SearchRequest(q="usb printer", lang="en"))
        assert printer.results and removed not in {h.id for h in printer.results}
        found = engine.search(SearchRequest(q="zyxwarble", internal=True))
        assert [h.id for h in found.results] == ["deskmate-cash-drawer-not-opening"]
        assert found.total == 1  # the old version of the changed article is gone
