"""No public output reveals an internal article: not its text, title, id, URL, count or existence.

Every file of the built public site and the public manifest is searched for every internal
article's id, title and phrases found in no public article; the anonymous API is asked for each.
"""

from __future__ import annotations

import gzip
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from generator.knowledge import Article, load_knowledge_base
from generator.problems import Problems
from tests.conftest import SAMPLE_KB, Built

_SENTENCE = re.compile(r"[。！？；;\n]|(?<=[a-z])\. ")
_MARKUP = re.compile(r"[*`#>|\[\]()!_-]+|\s+")


def _articles() -> tuple[list[Article], list[Article]]:
    kb = load_knowledge_base(SAMPLE_KB, Problems())
    assert kb is not None
    published = [a for a in kb.articles if a.meta.published]
    return (
        [a for a in published if a.meta.audience == "internal"],
        [a for a in published if a.meta.audience == "public"],
    )


def _flat(text: str) -> str:
    return _MARKUP.sub("", text)


def secrets_of(article: Article, public_text: str, limit: int = 8) -> list[str]:
    """The article's id, title and phrases (≥ 12 characters) that no public article contains."""
    found = [article.id, article.meta.title]
    found += [k for k in article.meta.keywords if _flat(k) not in public_text]
    for sentence in _SENTENCE.split(article.body):
        phrase = _flat(sentence)
        if len(phrase) >= 12 and phrase not in public_text and len(found) < limit + 2:
            found.append(phrase)
    return found


INTERNAL, PUBLIC = _articles()
PUBLIC_TEXT = _flat(
    "\n".join(a.meta.title + a.meta.summary + " ".join(a.meta.keywords) + a.body for a in PUBLIC)
)
SECRETS = {a.id: secrets_of(a, PUBLIC_TEXT) for a in INTERNAL}


def test_the_sample_has_internal_articles_with_phrases_of_their_own():
    assert len(SECRETS) >= 5
    assert all(len(found) >= 6 for found in SECRETS.values()), SECRETS


def _readable(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    text = data.decode("utf-8", errors="ignore")
    if path.suffix == ".json":  # \uXXXX escapes would hide Chinese text from a plain search
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return _flat(text)


def test_no_public_file_holds_any_internal_id_title_or_phrase(built_sample: Built):
    files = [p for p in built_sample.site_dir.rglob("*") if p.is_file()]
    files.append(built_sample.data_dir / "manifest.json")
    assert len(files) > 300
    leaks = []
    for path in files:
        if path.suffix in {".png", ".ico", ".woff", ".woff2", ".svg"}:
            continue
        text = _readable(path)
        leaks += [(path.name, s) for found in SECRETS.values() for s in found if _flat(s) in text]
    assert leaks == []


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


@pytest.mark.parametrize("article_id", sorted(SECRETS))
def test_the_anonymous_api_answers_as_if_the_article_did_not_exist(server: str, article_id: str):
    flat_secrets = [_flat(s) for s in SECRETS[article_id]]
    for query in SECRETS[article_id]:
        q = urllib.parse.quote(query[:100])
        status, body = get(f"{server}/api/search?q={q}")
        assert status == 200
        found = json.loads(body)
        assert all(not hit["id"].startswith(tuple(SECRETS)) for hit in found["results"])
        for facet in ("product", "type"):  # counts only what the visitor may see
            assert sum(found["facets"][facet].values()) == found["total"], (query, found)
        status, suggested = get(f"{server}/api/suggest?q={urllib.parse.quote(query[:6])}")
        for text in (body, suggested):
            answer = json.loads(text)
            del answer["query"]  # the visitor's own words, echoed
            assert not [s for s in flat_secrets if s in _flat(repr(answer))], (query, answer)
    page_status, page = get(f"{server}/articles/{article_id}/")
    missing_status, missing = get(f"{server}/articles/no-such-article/")
    assert (page_status, page) == (missing_status, missing) == (404, missing)
    status, body = get(f"{server}/api/articles/{article_id}/ratings")
    _, unknown = get(f"{server}/api/articles/no-such-article/ratings")
    assert status == 404
    assert json.loads(body)["error"]["code"] == json.loads(unknown)["error"]["code"]
    assert json.loads(body)["error"]["message"].replace(article_id, "X") == json.loads(unknown)[
        "error"
    ]["message"].replace("no-such-article", "X")
