"""Properties of the analysis chain and of the backlog's need keys, on generated text (hypothesis).

For any text a customer can send (any Unicode, lone surrogates and control characters included,
very long input too): analysis never raises; normalising is idempotent, so analysing a stored,
normalised query gives what analysing it as typed gave; the need key is a function of what was
asked, not of the script, width, case or spacing it was typed in.

The script properties run on real searches written in Simplified Chinese (the list below and the
sample knowledge base's keywords and titles) and on combinations of them, each converted by
OpenCC to Traditional as Taiwan, Hong Kong and plain OpenCC write it (``s2tw``, ``s2hk``,
``s2t``). Taiwan *vocabulary* (印表機 for 打印机) is not a script: it is folded where the
analyzer knows it, which ``test_analysis.py`` pins by examples.

Bounded and reproducible by default (derandomized); ``KB_PROPERTY_EXAMPLES=5000 KB_FUZZ_SEED=7``
runs more examples from another seed.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from generator.knowledge import load_knowledge_base
from generator.problems import Problems
from kbcore.analysis import TextAnalysis, _opencc, normalize
from kbcore.backlog import need_key
from kbcore.index import index_root, open_current
from kbcore.search import SearchEngine
from tests.conftest import SAMPLE_KB, Built

EXAMPLES = int(os.environ.get("KB_PROPERTY_EXAMPLES", "200"))
SEED = os.environ.get("KB_FUZZ_SEED")
Test = TypeVar("Test", bound=Callable[..., None])


def bounded(examples: int = EXAMPLES) -> Callable[[Test], Test]:
    """Run a property on ``examples`` inputs: derandomized, or drawn from ``KB_FUZZ_SEED``."""

    def apply(test: Test) -> Test:
        test = settings(
            max_examples=examples,
            deadline=None,
            derandomize=SEED is None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )(test)
        return test if SEED is None else seed(int(SEED))(test)

    return apply


# Every character Python can hold: lone surrogates (Cs) and unassigned code points too.
ANY_CHAR = st.characters(codec=None, exclude_categories=())
# Characters that exercise the chain's special cases more often than chance would.
SPECIAL = st.sampled_from(
    [
        "\x00", "\x1f", "\x7f", "\x85", "\u200b", "\u200d", "\u202e", "\ufeff", "\u2028",
        "\u3000", "\ud800", "\udfff", "Ａ", "ｚ", "０", "９", "ﬁ", "ẞ", "İ", "Σ", "ς",
        "錄", "號", "帳", "機", "線", "執", "行", "程", "序", "文", "件",
        "-", "_", ".", "/", ":", " ", "\t", "\n",
    ]
)  # fmt: skip
# Whole words too: redaction placeholders, codes, phrases.
WORDS = st.sampled_from(["[phone]", "[order]", "E1042", "ERR_CONN_TIMEOUT", "登录失败", "印表機"])
TEXT = st.lists(st.one_of(ANY_CHAR, SPECIAL, WORDS), max_size=60).map("".join)

# Searches as Mainland customers type them, beyond the sample's own keywords.
PHRASES = [
    "登录失败",
    "登陆不上",
    "用户名或密码错误",
    "账号被锁定",
    "收不到短信验证码",
    "小票打印机脱机",
    "打印机离线",
    "扫码枪没反应",
    "网络连接失败",
    "连不上服务器",
    "代理怎么设置",
    "应用程序无法正常启动",
    "小程序外链打不开",
    "执行数据库脚本",
    "查询订单很慢",
    "离线订单丢了",
    "导出订单乱码",
    "复制粘贴",
    "共享文件夹没有权限",
    "抄表文件乱码",
    "恢复默认设置",
    "建立新账号",
    "程序崩溃",
    "核心服务停止",
    "新增商品",
    "开启合并同类菜品",
    "截图发给客服",
    "停用员工账号",
    "启用会员积分",
    "序列号在哪看",
    "支持哪些打印机",
]
SCRIPTS = ["s2tw", "s2hk", "s2t"]
SEPARATORS = ["", " ", "，", "、", "　", "\t"]
_PIECES = re.compile(r"[，、“”「」（）()：:,。？！【】\s]+")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def engine(built_sample: Built) -> Iterator[SearchEngine]:
    """The sample's search engine: its analysis (with the KB's terms) and its synonyms."""
    with SearchEngine(open_current(index_root(built_sample.data_dir))) as engine:
        yield engine


@pytest.fixture(scope="module")
def analysis(engine: SearchEngine) -> TextAnalysis:
    return engine.analysis


@pytest.fixture(scope="module")
def phrases() -> list[str]:
    """The list above, and the Simplified keywords and title pieces of the sample's articles."""
    kb = load_knowledge_base(SAMPLE_KB, Problems())
    assert kb is not None
    found = set(PHRASES)
    for article in kb.articles:
        if article.meta.lang == "zh-Hans":
            found.update(str(keyword) for keyword in article.meta.keywords)
            found.update(_PIECES.split(article.meta.title))
    return sorted(p for p in found if _CHINESE.search(p))


def phrase_text(phrases: list[str]) -> st.SearchStrategy[str]:
    """One to three real phrases, joined as customers join them."""
    return st.builds(
        lambda parts, sep: sep.join(parts),
        st.lists(st.sampled_from(phrases), min_size=1, max_size=3),
        st.sampled_from(SEPARATORS),
    )


# --- never raises -------------------------------------------------------------------------------


@bounded()
@given(text=TEXT)
def test_normalize_never_raises_and_gives_clean_text(text: str) -> None:
    folded = normalize(text)
    assert isinstance(folded, str)
    # What normalising removes or blanks never comes back out of it.
    assert not any(unicodedata.category(ch) in ("Cc", "Cs", "Cf") for ch in folded)


@bounded()
@given(text=TEXT)
def test_analysis_and_need_key_never_raise(engine: SearchEngine, text: str) -> None:
    for mode in ("words", "grams"):
        terms = engine.analysis.terms_of(text, mode)
        assert all(isinstance(term, str) and term.strip() for term in terms)
    assert isinstance(need_key(text, engine), str)


@bounded(max(10, EXAMPLES // 10))
@given(part=TEXT, times=st.integers(min_value=200, max_value=2000))
def test_very_long_text_is_analysed(engine: SearchEngine, part: str, times: int) -> None:
    text = (part or "登录失败 login ") * times
    assert isinstance(engine.analysis.terms_of(text), list)
    assert isinstance(need_key(text[:10_000], engine), str)


# --- idempotent and stable ----------------------------------------------------------------------


@bounded()
@given(text=TEXT)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@bounded()
@given(data=st.data())
def test_normalize_is_idempotent_on_phrases(phrases: list[str], data: st.DataObject) -> None:
    text = data.draw(phrase_text(phrases))
    (convert,) = _opencc(data.draw(st.sampled_from(SCRIPTS)))
    for typed in (text, convert.convert(text)):
        once = normalize(typed)
        assert normalize(once) == once


@bounded()
@given(text=TEXT)
def test_need_key_is_stable(engine: SearchEngine, text: str) -> None:
    """The backlog keys the stored, normalised query: it must be the key of the typed one."""
    key = need_key(text, engine)
    assert need_key(text, engine) == key
    assert need_key(normalize(text).strip(), engine) == key


@bounded()
@given(data=st.data())
def test_need_key_ignores_the_order_of_phrases(
    engine: SearchEngine, phrases: list[str], data: st.DataObject
) -> None:
    parts = data.draw(st.lists(st.sampled_from(phrases), min_size=2, max_size=3))
    shuffled = data.draw(st.permutations(parts))
    assert need_key(" ".join(shuffled), engine) == need_key(" ".join(parts), engine)


# --- script, width and case ---------------------------------------------------------------------


@pytest.mark.parametrize("config", SCRIPTS)
@bounded()
@given(data=st.data())
def test_traditional_script_analyses_like_simplified(
    engine: SearchEngine, phrases: list[str], config: str, data: st.DataObject
) -> None:
    text = data.draw(phrase_text(phrases))
    (convert,) = _opencc(config)
    traditional = convert.convert(text)
    assert engine.analysis.terms_of(traditional) == engine.analysis.terms_of(text)
    assert need_key(traditional, engine) == need_key(text, engine)


@pytest.mark.parametrize("config", SCRIPTS)
def test_every_phrase_analyses_alike_in_both_scripts(
    engine: SearchEngine, phrases: list[str], config: str
) -> None:
    (convert,) = _opencc(config)
    different = [
        (phrase, convert.convert(phrase))
        for phrase in phrases
        if engine.analysis.terms_of(convert.convert(phrase)) != engine.analysis.terms_of(phrase)
    ]
    assert different == []


LATIN = st.text(
    alphabet=st.sampled_from(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_./:"
    ),
    max_size=40,
)


def full_width(text: str) -> str:
    """Write ASCII as its full-width forms (U+FF01–U+FF5E), and spaces as U+3000."""
    return "".join(
        "\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text
    )


@bounded()
@given(text=LATIN, chinese=st.sampled_from(["", *PHRASES]))
def test_english_ignores_case_and_width(analysis: TextAnalysis, text: str, chinese: str) -> None:
    typed = f"{chinese} {text}"
    expected = analysis.terms_of(typed.lower())
    assert analysis.terms_of(typed.upper()) == expected
    assert analysis.terms_of(full_width(typed)) == expected
    assert analysis.terms_of(full_width(typed.upper())) == expected


@bounded()
@given(text=LATIN)
def test_need_key_ignores_case_and_width(engine: SearchEngine, text: str) -> None:
    assert need_key(full_width(text.upper()), engine) == need_key(text.lower(), engine)
