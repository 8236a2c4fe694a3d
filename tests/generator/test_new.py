"""`kb new` through the CLI runner: templates that pass `kb check`, ids, errors, duplicates."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli import cli
from tests.conftest import SAMPLE_KB, article_text, write


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A copy of the repository's sample knowledge base."""
    root = tmp_path / "kb"
    shutil.copytree(SAMPLE_KB, root)
    return root


def kb_new(runner, kb: Path, data_dir: Path, *args: str, input: str | None = None):
    return runner.invoke(
        cli,
        ["new", "--kb", str(kb), *args],
        env={"KB_DATA_DIR": str(data_dir)},
        input=input,
    )


def created_path(output: str) -> Path:
    lines = [line for line in output.splitlines() if line.startswith("Created ")]
    assert len(lines) == 1, output
    return Path(lines[0].removeprefix("Created "))


def front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text.split("---\n")[1])
    return data


def article_files(kb: Path) -> set[Path]:
    return set((kb / "articles").rglob("*.md"))


def check_problems_of(runner, kb: Path, path: Path) -> list[str]:
    result = runner.invoke(cli, ["check", "--kb", str(kb)])
    assert "kb check: 0 errors" in result.output, result.output
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith(str(path))]


CASES = [
    ("zh-Hans", "troubleshooting", "deskmate", "收银台扫码枪扫出来的是乱码", "## 原因"),
    ("zh-Hans", "known-issue", "shopease", "大促期间订单导出偶尔缺少最后一页", "## 临时解决方法"),
    ("zh-Hant", "howto", "powerbill", "如何設定自動扣款的扣款日", "## 操作步驟"),
    ("zh-Hant", "faq", "deskmate", "一台電腦可以登入幾個收銀帳號？", "## 解答"),
    ("en", "faq", "shopease", "Can I sell gift cards in my store?", "## Answer"),
    ("en", "troubleshooting", "powerbill", "Meter import stops at row 1 with no error", "## Cause"),
]


@pytest.mark.parametrize(("lang", "type_", "product", "title", "heading"), CASES)
def test_new_article_passes_check(runner, kb_copy, tmp_path, lang, type_, product, title, heading):
    result = kb_new(
        runner,
        kb_copy,
        tmp_path / "no-index",
        "--type",
        type_,
        "--lang",
        lang,
        "--product",
        product,
        "--owner",
        "li.na",
        title,
    )
    assert result.exit_code == 0, result.output
    path = created_path(result.output)
    meta = front_matter(path)
    assert path == kb_copy / "articles" / product / f"{meta['id']}.md"
    assert meta["id"].startswith(product + "-")
    assert (meta["title"], meta["lang"], meta["type"], meta["product"]) == (
        title,
        lang,
        type_,
        product,
    )
    assert meta["status"] == "draft" and meta["owner"] == "li.na"
    assert meta["updated"] == date.today()
    assert meta["review_by"] == date.today() + timedelta(days=180)
    products = yaml.safe_load((kb_copy / "products.yml").read_text("utf-8"))
    assert meta["versions"] == products[product]["versions"]
    assert meta["category"] in yaml.safe_load((kb_copy / "categories.yml").read_text("utf-8"))
    assert heading + "\n" in path.read_text("utf-8")
    assert check_problems_of(runner, kb_copy, path) == []


def test_same_title_twice_gets_two_ids(runner, kb_copy, tmp_path):
    args = ["--type", "troubleshooting", "--lang", "en", "--product", "deskmate", "--owner", "x"]
    # The sample already has deskmate-receipt-printer-offline (a zh-Hans article).
    first = kb_new(runner, kb_copy, tmp_path, *args, "Receipt printer offline")
    second = kb_new(runner, kb_copy, tmp_path, *args, "Receipt printer offline")
    paths = [created_path(first.output), created_path(second.output)]
    assert [p.stem for p in paths] == [
        "deskmate-receipt-printer-offline-2",
        "deskmate-receipt-printer-offline-3",
    ]
    chinese = [
        created_path(kb_new(runner, kb_copy, tmp_path, *args, "小票打印机脱机").output)
        for _ in range(2)
    ]
    assert chinese[0] != chinese[1]
    # The same problem twice: `kb check` says so on the second article of each pair.
    for first_path, second_path in (sorted(paths), sorted(chinese)):
        assert check_problems_of(runner, kb_copy, first_path) == []
        [warning] = check_problems_of(runner, kb_copy, second_path)
        assert f"of its words in common with {first_path}" in warning


def test_default_category_is_the_products_most_used(runner, kb_dir, tmp_path):
    args = ["--type", "faq", "--lang", "zh-Hans", "--product", "shopease", "--owner", "x"]
    first = created_path(kb_new(runner, kb_dir, tmp_path, *args, "第一篇").output)
    assert front_matter(first)["category"] == "account-login"  # first in categories.yml
    for number in (1, 2):
        write(
            kb_dir,
            f"articles/shopease/shopease-pay-{number}.md",
            article_text(id=f"shopease-pay-{number}", category="payment-billing"),
        )
    second = created_path(kb_new(runner, kb_dir, tmp_path, *args, "第二篇").output)
    assert front_matter(second)["category"] == "payment-billing"
    chosen = kb_new(runner, kb_dir, tmp_path, *args, "--category", "data-sync", "第三篇")
    assert front_matter(created_path(chosen.output))["category"] == "data-sync"


def test_owner_defaults_to_git_user_name(runner, kb_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Wang Fang\n", "utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    args = ["--type", "faq", "--lang", "en", "--product", "shopease", "Who owns this?"]
    named = created_path(kb_new(runner, kb_copy, tmp_path, *args).output)
    assert front_matter(named)["owner"] == "Wang Fang"
    config.write_text("", "utf-8")
    unnamed = created_path(kb_new(runner, kb_copy, tmp_path, *args).output)
    assert front_matter(unnamed)["owner"] == "unknown"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--product", "nope", "标题"],
            "Error: Invalid value for '--product': expected one of shopease, powerbill, "
            "deskmate (kb/products.yml), found 'nope'",
        ),
        (
            ["--product", "shopease", "--category", "weather", "标题"],
            "Error: Invalid value for '--category': expected one of account-login, "
            "payment-billing, orders-logistics, meter-reading, installation-upgrade, "
            "network-connectivity, printing-devices, data-sync, performance, "
            "security-permissions (kb/categories.yml), found 'weather'",
        ),
        (
            ["--product", "shopease", "   "],
            "Error: Invalid value for TITLE: expected 1 to 120 characters on one line, found 0",
        ),
        (
            ["--product", "shopease", "长" * 121],
            "Error: Invalid value for TITLE: expected 1 to 120 characters on one line, found 121",
        ),
        (
            ["--product", "shopease", "第一行\n第二行"],
            "Error: Invalid value for TITLE: expected 1 to 120 characters on one line, "
            "found a line break in '第一行\\n第二行'",
        ),
        (
            ["--product", "shopease", "--owner", " ", "标题"],
            "Error: Invalid value for '--owner': expected 1 to 200 characters on one line, found 0",
        ),
    ],
)
def test_bad_options_are_one_clear_line(runner, kb_copy, tmp_path, args, message):
    before = article_files(kb_copy)
    result = kb_new(runner, kb_copy, tmp_path, "--type", "faq", "--lang", "zh-Hans", *args)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == message
    assert article_files(kb_copy) == before


def test_unreadable_knowledge_base_is_an_error(runner, tmp_path):
    result = kb_new(
        runner, tmp_path / "none", tmp_path, "--type", "faq", "--lang", "en", "--product", "x", "t"
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cannot read the knowledge base: {tmp_path / 'none' / 'articles'}:1: folder: "
        "expected a folder of articles, found no such folder\n"
    )


DUPLICATE = ["--type", "troubleshooting", "--lang", "zh-Hans", "--product", "shopease"]


def test_near_duplicates_are_listed_and_no_writes_nothing(runner, kb_copy, built_sample):
    before = article_files(kb_copy)
    result = kb_new(
        runner,
        kb_copy,
        built_sample.data_dir,
        *DUPLICATE,
        "--owner",
        "x",
        "商家后台登录收不到短信验证码",
        input="n\n",
    )
    assert result.exit_code == 1, result.output
    assert "Articles that may already cover this problem:" in result.output
    assert (
        "  shopease-sms-code-e1042  商家后台登录收不到短信验证码，提示“验证码发送失败（E1042）”"
        "  /articles/shopease-sms-code-e1042/  (shopease, zh-Hans)"
    ) in result.output
    assert "Create it anyway? [y/N]: n\nNothing written." in result.output
    assert article_files(kb_copy) == before


def test_near_duplicates_yes_and_answering_y_write(runner, kb_copy, built_sample):
    title = "登录时收不到短信验证码"
    yes = kb_new(runner, kb_copy, built_sample.data_dir, *DUPLICATE, "--owner", "x", "--yes", title)
    assert yes.exit_code == 0, yes.output
    assert "shopease-sms-code-e1042" in yes.output and "Create it anyway?" not in yes.output
    answered = kb_new(
        runner, kb_copy, built_sample.data_dir, *DUPLICATE, "--owner", "x", title, input="y\n"
    )
    assert answered.exit_code == 0, answered.output
    assert "Create it anyway? [y/N]: y\n" in answered.output
    paths = [created_path(yes.output), created_path(answered.output)]
    assert paths[0] != paths[1] and all(path.is_file() for path in paths)


def test_unrelated_title_is_not_flagged(runner, kb_copy, built_sample):
    result = kb_new(
        runner, kb_copy, built_sample.data_dir, *DUPLICATE, "--owner", "x", "天气预报怎么看"
    )
    assert result.exit_code == 0, result.output
    assert "may already cover" not in result.output and "skipped" not in result.output
    assert created_path(result.output).is_file()


def test_without_an_index_the_check_is_skipped_in_one_line(runner, kb_copy, tmp_path):
    result = kb_new(runner, kb_copy, tmp_path / "var", *DUPLICATE, "--owner", "x", "商家后台")
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if "Near-duplicate" in line]
    assert notes == [
        f"Near-duplicate check skipped: {tmp_path / 'var' / 'index' / 'current'}: "
        "expected a search index, found none (run `kb build`)"
    ]
    assert created_path(result.output).is_file()
