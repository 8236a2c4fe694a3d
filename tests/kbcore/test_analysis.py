"""The analysis chain: one chain for indexing and querying, folding what customers type."""

from __future__ import annotations

import marshal
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from kbcore.analysis import (
    JIEBA_CACHE,
    KbTokenizer,
    TextAnalysis,
    normalize,
    script_variants,
)
from kbcore.index import index_root, open_current


@pytest.fixture(scope="module")
def analysis():
    return TextAnalysis(["轻舟商城", "连不上"])


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("登錄失敗", "登录失败"),  # Traditional script
        ("印表機連不上網路", "打印机连不上网络"),  # Taiwan vocabulary
        ("帳號被鎖定", "账号被锁定"),
        ("帐号", "账号"),  # a variant common in Simplified text too
        ("ＫＡＦＫＡ　Ｅ１０４２", "kafka e1042"),  # full width
        ("Printer", "printer"),
        ("kaf\u200bka\u202e", "kafka"),  # zero-width and bidi marks
    ],
)
def test_variants_fold_to_the_same_terms(analysis, typed, same_as):
    assert analysis.terms_of(typed) == analysis.terms_of(same_as)


def test_simplified_text_is_not_rewritten():
    # tw2sp would turn 文件 into 文档 and 离线 into 脱机: only Traditional text is converted.
    assert normalize("导出文件离线保存") == "导出文件离线保存"


@pytest.mark.parametrize(
    ("code", "terms"),
    [
        ("E1042", ["e1042", "1042"]),
        ("0x80070005", ["0x80070005", "80070005"]),
        ("ERR_CONN_TIMEOUT", ["err_conn_timeout", "errconntimeout", "err", "conn", "timeout"]),
        ("PB-4031", ["pb-4031", "pb4031", "pb", "4031"]),
    ],
)
def test_error_codes_are_kept_whole_and_split(analysis, code, terms):
    assert analysis.terms_of(code) == terms


def test_english_is_stemmed_without_stop_words(analysis):
    assert analysis.terms_of("The printers are not printing") == ["printer", "print"]


def test_knowledge_base_terms_stay_whole(analysis):
    assert "轻舟商城" in analysis.terms_of("轻舟商城后台")
    assert "连不上" in analysis.terms_of("打印机连不上")


def test_grams_mode(analysis):
    assert analysis.terms_of("登录失败 Login", "grams") == ["登录", "录失", "失败", "login"]


def test_never_raises_on_odd_text(analysis):
    for text in ["\ud800", "\x00", "", " ", "🙂" * 50, "\u202egnp.exe", "a" * 10000]:
        assert isinstance(analysis.terms_of(text), list)


def test_script_variants():
    assert script_variants("打印机") >= {"打印机", "打印機", "印表機"}
    assert script_variants("login") == {"login"}


def test_tokenizer_pickles_with_its_terms_only(analysis):
    analysis.terms_of("预热")  # load jieba
    data = pickle.dumps(KbTokenizer(analysis))
    assert len(data) < 2000
    restored = pickle.loads(data)
    assert restored.analysis == analysis
    assert [t.text for t in restored("打印机连不上")] == analysis.terms_of("打印机连不上")


def test_index_and_queries_use_the_same_chain(built_sample):
    opened = open_current(index_root(built_sample.data_dir))
    texts = ["商家後台登入收不到簡訊驗證碼", "Printer offline ERR_CONN_TIMEOUT", "帳號被鎖定"]
    for field in ("title", "body", "phrases", "codes"):
        analyzer = opened.index.schema[field].analyzer
        assert analyzer.analysis == opened.analysis
        for text in texts:
            assert [t.text for t in analyzer(text)] == opened.analysis.terms_of(text)
    grams = opened.index.schema["grams"].analyzer
    assert [t.text for t in grams("登录失败")] == opened.analysis.terms_of("登录失败", "grams")


# jieba's default tokenizer is global: each case runs in a fresh interpreter.
_SHARE = """
import sys, jieba
from kbcore.analysis import TextAnalysis, share_dictionary
text = "钱箱不弹出，小票打印机驱动模式吞掉了开箱指令；網路連線逾時"
{setup}
print(share_dictionary(load={load}))
print("|".join(jieba.cut(text)))
print("|".join(jieba.Tokenizer().cut(text)))  # jieba's own dictionary, loaded from its file
jieba.add_word("开箱指令")
print("|".join(jieba.cut(text)))
print("|".join(TextAnalysis().terms_of(text)))
"""


@pytest.mark.parametrize(
    ("setup", "load", "shared"),
    [
        ("", True, True),  # loaded now, then shared
        ("", False, False),  # not loaded yet: nothing is loaded for the default
        ("TextAnalysis().terms_of('中文')", False, True),  # loaded by an analysis: shared
        ("jieba.initialize()", True, False),  # the default loaded its own already
        # a dictionary of its own (here a copy of the default, by its path)
        ("jieba.set_dictionary(jieba.get_dict_file().name)", True, False),
    ],
)
def test_the_default_tokenizer_shares_the_dictionary(setup, load, shared):
    """`jieba.cut` (MkDocs' search plugin) splits as with its own dictionary, and words added to
    it afterwards do not reach the analysis' copy."""
    run = subprocess.run(
        [sys.executable, "-c", _SHARE.format(setup=setup, load=load)],
        capture_output=True,
        text=True,
        check=True,
    )
    said, default, own, added, analysed = run.stdout.splitlines()
    assert said == str(shared)
    assert default == own
    assert "开箱指令" not in default.split("|")
    assert "开箱指令" in added.split("|")
    assert "开箱指令" not in analysed.split("|")


_CACHED = """
import jieba
from kbcore.analysis import _jieba_dictionary
words, total = _jieba_dictionary()
if len(words) < 10:
    print(sorted(words.items()), total)
else:  # jieba's dictionary, as built from its dictionary file
    built = jieba.Tokenizer()
    print((words, total) == built.gen_pfdict(built.get_dict_file()))
"""


def _dictionary_with(tmp_path: Path, cache: bytes | None) -> str:
    """What `_jieba_dictionary` loads in a new interpreter, with ``cache`` as jieba's file."""
    if cache is not None:
        (tmp_path / JIEBA_CACHE).write_bytes(cache)
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # where jieba keeps its cache file
    run = subprocess.run(
        [sys.executable, "-c", _CACHED], capture_output=True, text=True, check=True, env=env
    )
    return run.stdout.strip()


def test_jieba_s_dictionary_is_read_from_its_cache_file(tmp_path):
    assert _dictionary_with(tmp_path, marshal.dumps(({"钱箱": 3}, 3))) == "[('钱箱', 3)] 3"


@pytest.mark.parametrize(
    "cache",
    [
        None,  # no file: jieba builds the dictionary and writes the file
        b"",
        b"\x00torn",  # not marshal data
        marshal.dumps(["words", 1]),  # marshal data of another shape
        marshal.dumps(({"钱箱": 3}, 3))[:-3],  # a file cut short
    ],
)
def test_without_a_readable_cache_file_jieba_builds_its_dictionary(tmp_path, cache):
    assert _dictionary_with(tmp_path, cache) == "True"
    assert marshal.loads((tmp_path / JIEBA_CACHE).read_bytes())[1] > 1000  # written again
