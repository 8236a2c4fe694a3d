"""The sample knowledge base is the demo and the fixture of the whole product: keep it rich."""

from __future__ import annotations

from collections import Counter

from generator.knowledge import load_knowledge_base
from generator.problems import Problems
from tests.conftest import SAMPLE_KB


def test_sample_covers_what_the_product_claims():
    problems = Problems()
    kb = load_knowledge_base(SAMPLE_KB, problems)
    assert kb is not None and not problems.errors
    articles = kb.articles
    langs = Counter(a.meta.lang for a in articles)
    assert len(articles) >= 60
    assert langs["zh-Hans"] >= 35 and langs["zh-Hant"] >= 10 and langs["en"] >= 15
    assert len({a.meta.product for a in articles}) >= 3
    assert {a.meta.type for a in articles} == {"troubleshooting", "howto", "faq", "known-issue"}
    assert sum(a.meta.translation_of is not None for a in articles) >= 10
    assert sum(a.meta.audience == "internal" for a in articles) >= 5
    assert sum(bool(a.meta.error_codes) for a in articles) >= 20
    assert {"draft", "archived"} <= {a.meta.status for a in articles}
