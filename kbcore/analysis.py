"""The one text analysis chain, shared by indexing and querying.

``normalize`` folds what a customer may type differently: NFKC (full-width letters and digits),
case, invisible and control characters, and Traditional Chinese to Simplified (OpenCC ``tw2sp``
plus a few Taiwan terms it misses), applied only to text that holds Traditional characters so
Simplified text is never rewritten. :class:`TextAnalysis` then splits normalized text into terms:

- Chinese runs are segmented by jieba in search mode, with the knowledge base's own terms
  (product names, keywords, tags, synonyms) added to its dictionary;
- Latin runs become words, stemmed (Porter) without English stop words; identifiers and error
  codes (``E1042``, ``0x80070005``, ``ERR_CONN_TIMEOUT``, ``PB-4031``) are kept whole, without
  their separators, and split into their parts;
- ``grams`` mode gives Chinese character bigrams and whole Latin words instead, for exact matching.

Whoosh pickles the analyzer into the index: :class:`KbTokenizer` and :class:`TextAnalysis` are
top-level classes, and only the term list is pickled (jieba is set up again on first use).
"""

from __future__ import annotations

import functools
import marshal
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from whoosh.analysis import STOP_WORDS, Token, Tokenizer
from whoosh.lang.porter import stem

__all__ = [
    "Analyzed",
    "KbTokenizer",
    "Mode",
    "TextAnalysis",
    "has_cjk",
    "is_traditional",
    "normalize",
    "script_variants",
    "share_dictionary",
]

Mode = Literal["words", "grams"]
# The file jieba keeps its own dictionary in, in its temporary folder (see _jieba_dictionary).
JIEBA_CACHE = "jieba.cache"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_RUNS = re.compile(rf"([{_CJK}]+)|([0-9a-z\u00c0-\u024f]+(?:[._\-/:][0-9a-z\u00c0-\u024f]+)*)")
_SEPARATORS = re.compile(r"[._\-/:]")
_PARTS = re.compile(r"[a-z\u00c0-\u024f]+|[0-9]+")
_HAS_CJK = re.compile(rf"[{_CJK}]")

# Terms OpenCC's tw2sp leaves in Taiwan wording, written as tw2sp outputs them.
_TAIWAN_TERMS = {
    "凭证": "证书",
    "预设": "默认",
    "逾时": "超时",
    "当机": "死机",
    "投影机": "投影仪",
    "共用文件夹": "共享文件夹",
    "资料夹": "文件夹",
    "行动设备": "移动设备",
    "帐户": "账户",
}
# Variants that are common in Simplified text too.
_VARIANTS = {"帐号": "账号", "帐户": "账户", "帐单": "账单"}
_VARIANT_RE = re.compile("|".join(map(re.escape, _VARIANTS)))
_TAIWAN_RE = re.compile("|".join(map(re.escape, sorted(_TAIWAN_TERMS, key=len, reverse=True))))
# Words written and meant alike in Mainland, Taiwan and Hong Kong, which tw2sp would swap for
# another Mainland word (執行 → 运行, 查詢 → 查找, 程序 → 进程, 文件夾 → 文档夹). They are
# converted character by character, so a text analyses the same in either script. Written here
# in Simplified; their Traditional forms come from OpenCC.
_SHARED_WORDS = (
    "执行", "程序", "文件", "查询", "复制", "建立", "核心", "离线", "指标",
    "通讯", "联络", "启用", "开启", "截图", "新增", "序列", "停用",
)  # fmt: skip
# Taiwan words that hold one of them and are still converted as Taiwan words (執行緒 → 线程).
_TAIWAN_COMPOUNDS = frozenset(
    ["執行檔", "執行緒", "多執行緒", "執行長", "程序導向", "程序式程式設計", "行動通訊", "序列埠"]
)


@functools.cache
def _opencc(*configs: str) -> tuple[Any, ...]:
    """Return OpenCC converters, loaded once per process (they are immutable)."""
    import opencc

    return tuple(opencc.OpenCC(config) for config in configs)


@functools.cache
def _shared_words() -> re.Pattern[str]:
    """Match the shared words in any script, and the Taiwan words that hold them, longest first."""
    forms = {
        converter.convert(word)
        for word in _SHARED_WORDS
        for converter in _opencc("s2t", "s2tw", "s2hk")
    }
    words = sorted(forms | _TAIWAN_COMPOUNDS, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


def _to_simplified(text: str) -> str:
    """Convert Traditional ``text`` with tw2sp, but the shared words character by character."""
    tw2sp, t2s = _opencc("tw2sp", "t2s")
    out = []
    done = 0
    for match in _shared_words().finditer(text):
        if match.group() in _TAIWAN_COMPOUNDS:
            continue  # converted with the text around it
        out += [tw2sp.convert(text[done : match.start()]), t2s.convert(match.group())]
        done = match.end()
    out.append(tw2sp.convert(text[done:]))
    return "".join(out)


def script_variants(term: str) -> set[str]:
    """Return ``term`` as written in Simplified and in Traditional Chinese (Taiwan words too)."""
    if not has_cjk(term):
        return {term}
    s2t, s2twp = _opencc("s2t", "s2twp")
    return {term, s2t.convert(term), s2twp.convert(term)}


def _clean(text: str) -> str:
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf":  # zero-width and bidi marks: dropped, so k\u200bafka is kafka
            continue
        out.append(" " if category in ("Cc", "Cs", "Zl", "Zp") else ch)
    return "".join(out)


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds Chinese characters."""
    return _HAS_CJK.search(text) is not None


def is_traditional(text: str) -> bool:
    """Whether ``text`` holds Traditional Chinese characters."""
    (t2s,) = _opencc("t2s")
    return bool(t2s.convert(text) != text)


def normalize(text: str) -> str:
    """Fold width, case, invisible characters and Traditional Chinese for matching."""
    text = unicodedata.normalize("NFKC", _clean(text)).casefold()
    if has_cjk(text):
        if is_traditional(text):
            text = _to_simplified(text)
            text = _TAIWAN_RE.sub(lambda m: _TAIWAN_TERMS[m.group(0)], text)
        text = _VARIANT_RE.sub(lambda m: _VARIANTS[m.group(0)], text)
    return text


def _latin_terms(word: str, mode: Mode) -> Iterator[str]:
    if mode == "grams":
        if word not in STOP_WORDS:
            yield word
        return
    parts = _PARTS.findall(word)
    if len(parts) <= 1 and not _SEPARATORS.search(word):
        if word not in STOP_WORDS and (len(word) > 1 or word.isdigit()):
            yield stem(word) if word.isalpha() else word
        return
    yield word  # the identifier as written (normalized)
    squashed = _SEPARATORS.sub("", word)
    if squashed != word:
        yield squashed
    for part in parts:
        if len(part) >= 2 and part not in STOP_WORDS:
            yield stem(part) if part.isalpha() else part


@functools.cache
def _jieba_dictionary() -> tuple[dict[str, int], int]:
    """jieba's own dictionary (word → frequency, total), loaded once per process (0.1–0.3 s):
    each :class:`TextAnalysis` adds its terms to a copy of it.

    jieba keeps the dictionary it built in a cache file, which it reads with ``marshal.load``
    from the open file: 4–5 times slower than reading the bytes first, which this does. Without
    that file (or with one it cannot read), jieba builds the dictionary and writes the file.
    """
    import jieba

    tokenizer = jieba.Tokenizer()
    cache = Path(tokenizer.tmp_dir or tempfile.gettempdir()) / JIEBA_CACHE
    try:
        words, total = marshal.loads(cache.read_bytes())
        if isinstance(words, dict) and isinstance(total, int):
            return words, total
        cache.unlink()  # not jieba's: jieba itself would take it
    except (OSError, EOFError, ValueError, TypeError):
        pass
    tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


def share_dictionary(*, load: bool = False) -> bool:
    """Give jieba's default tokenizer (``jieba.cut``, which MkDocs' search plugin uses) a copy of
    the dictionary this module loads, instead of letting it load its own (about 0.5 s more);
    return whether it did.

    Only while the default tokenizer has loaded nothing and is to load jieba's own dictionary
    (not one a configuration set), and only if this module's dictionary is loaded already or
    ``load`` says to load it now: a build that splits no Chinese loads neither.
    """
    import jieba

    if not load and _jieba_dictionary.cache_info().currsize == 0:
        return False
    default = jieba.dt
    with default.lock:
        if default.initialized or default.dictionary != jieba.DEFAULT_DICT:
            return False
        words, total = _jieba_dictionary()
        default.FREQ, default.total = dict(words), total  # the default's own, to add words to
        default.initialized = True
    return True


class TextAnalysis:
    """Split normalized text into index and query terms (see the module docstring)."""

    def __init__(self, terms: Iterable[str] = ()) -> None:
        # Many articles share keywords and tags: each distinct one is normalized once.
        self.terms = sorted({normalize(t).strip() for t in set(terms) if has_cjk(t)} - {""})
        self._jieba: Any = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"terms": self.terms}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.terms = state["terms"]
        self._jieba = None
        self._lock = threading.Lock()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextAnalysis) and other.terms == self.terms

    def __hash__(self) -> int:
        return hash(tuple(self.terms))

    def _segmenter(self) -> Any:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    import jieba

                    tokenizer = jieba.Tokenizer()
                    words, total = _jieba_dictionary()
                    tokenizer.FREQ, tokenizer.total = dict(words), total  # ours to add to
                    tokenizer.initialized = True
                    for term in self.terms:
                        tokenizer.add_word(term)
                    self._jieba = tokenizer
        return self._jieba

    def terms_of(self, text: str, mode: Mode = "words", *, normalized: bool = False) -> list[str]:
        """Return the terms of ``text`` in order (``normalized``: already passed through it)."""
        if not normalized:
            text = normalize(text)
        out: list[str] = []
        for match in _RUNS.finditer(text):
            cjk, latin = match.groups()
            if latin:
                out.extend(_latin_terms(latin, mode))
            elif mode == "grams":
                out.extend(cjk[i : i + 2] for i in range(max(1, len(cjk) - 1)))
            else:
                out.extend(w for w in self._segmenter().cut_for_search(cjk) if w.strip())
        return out


class Analyzed(str):
    """A field's text given as its terms, computed ahead (in another process, by the indexer):
    :class:`KbTokenizer` takes them as they are instead of analysing the text again."""

    terms: list[str]

    def __new__(cls, terms: list[str]) -> Analyzed:
        made = super().__new__(cls, " ".join(terms))
        made.terms = terms
        return made

    def __reduce__(self) -> tuple[type[Analyzed], tuple[list[str]]]:
        return Analyzed, (self.terms,)


class KbTokenizer(Tokenizer):  # type: ignore[misc]
    """A Whoosh tokenizer over :class:`TextAnalysis` (positions are sequential)."""

    def __init__(self, analysis: TextAnalysis, mode: Mode = "words") -> None:
        self.analysis = analysis
        self.mode = mode

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, KbTokenizer)
            and other.mode == self.mode
            and other.analysis == self.analysis
        )

    def __hash__(self) -> int:
        return hash((self.mode, self.analysis))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        terms = (
            value.terms if isinstance(value, Analyzed) else self.analysis.terms_of(value, self.mode)
        )
        for index, term in enumerate(terms):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = term
            if positions:
                token.pos = start_pos + index
            if chars:
                token.startchar = token.endchar = start_char
            yield token
