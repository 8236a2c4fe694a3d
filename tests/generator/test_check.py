"""`kb check`: every problem on its own line, as path:line: field: expected …, found …."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from generator.cli import cli
from tests.conftest import SAMPLE_KB, article_text, write

A = "articles/shopease/shopease-login-password.md"


def run_check(runner, kb_dir: Path, *args: str):
    return runner.invoke(cli, ["check", "--kb", str(kb_dir), *args])


def test_valid_article_passes(runner, kb_dir):
    write(kb_dir, A, article_text())
    result = run_check(runner, kb_dir)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "0 errors, 0 warnings in 1 article" in result.stderr


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (
            {"id": "Login_Password"},
            "2: id: expected a slug of lowercase letters, digits and single"
            " hyphens, found 'Login_Password'",
        ),
        ({"title": '""'}, "3: title: expected non-empty text, found ''"),
        (
            {"type": "guide"},
            "5: type: expected one of troubleshooting, howto, faq, known-issue, found 'guide'",
        ),
        ({"lang": "zh-CN"}, "6: lang: expected one of zh-Hans, zh-Hant, en, found 'zh-CN'"),
        (
            {"versions": "[5.3]"},
            '8: versions.0: expected text (quote values that look like numbers: "5.3", '
            '"0x80070005"), found 5.3',
        ),
        (
            {"error_codes": "[0x80070005]"},
            '12: error_codes.0: expected text (quote values that look like numbers: "5.3", '
            '"0x80070005"), found 0x80070005 (read as the number 2147942405)',
        ),
        (
            {"severity": "urgent"},
            "13: severity: expected one of low, medium, high, critical, found 'urgent'",
        ),
        (
            {"audience": "everyone"},
            "14: audience: expected one of public, internal, found 'everyone'",
        ),
        (
            {"status": "published"},
            "15: status: expected one of draft, unvalidated, validated, "
            "archived, found 'published'",
        ),
        ({"updated": "2026-13-01"}, "17: updated: expected a date YYYY-MM-DD, found '2026-13-01'"),
        ({"tags": "登录"}, "10: tags: expected a list, found '登录'"),
        (
            {"category": "login"},
            "9: category: expected one of account-login, payment-billing, "
            "orders-logistics, meter-reading, installation-upgrade, "
            "network-connectivity, printing-devices, data-sync, performance, "
            "security-permissions (kb/categories.yml), found 'login'",
        ),
        (
            {"product": "shopeasy"},
            "7: product: expected one of shopease, powerbill, deskmate "
            "(kb/products.yml), found 'shopeasy'",
        ),
    ],
)
def test_bad_field_is_reported_at_its_line(runner, kb_dir, replace, message):
    path = write(kb_dir, A, article_text(**replace))
    result = run_check(runner, kb_dir)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{path}:{message}"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "no front matter\n",
            "1: front matter: expected a YAML block between '---' lines at the "
            "top of the file, found 'no front matter'",
        ),
        (
            "---\nid: [\n---\n",
            "3: front matter: expected valid YAML, found a syntax error "
            "(expected the node content, but found '<stream end>')",
        ),
        (
            "---\n- a\n- b\n---\n",
            "2: front matter: expected a mapping of field: value, found ['a', 'b']",
        ),
        (
            "---\nid: !!python/object/apply:os.system ['touch /tmp/kb-pwned']\n---\n",
            "2: front matter: expected plain YAML values (tags are never executed), found the tag "
            "'!!python/object/apply:os.system'",
        ),
        (
            "---\nid: !include secrets.yml\n---\n",
            "2: front matter: expected plain YAML values (tags are never executed), found the tag "
            "'!include'",
        ),
    ],
)
def test_unusable_front_matter(runner, kb_dir, text, message):
    path = write(kb_dir, A, text)
    result = run_check(runner, kb_dir)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{path}:{message}"]
    assert not Path("/tmp/kb-pwned").exists()


def test_missing_and_unknown_fields(runner, kb_dir):
    text = article_text().replace("owner: li.na\n", "owner_name: li.na\n")
    path = write(kb_dir, A, text)
    result = run_check(runner, kb_dir)
    assert result.stdout.splitlines() == [
        f"{path}:2: owner: expected a value, found nothing",
        f"{path}:16: owner_name: expected a known field (see docs/writing-articles.md), "
        "found an unknown field",
    ]


def test_every_problem_of_every_file_is_listed_at_once(runner, kb_dir):
    first = write(kb_dir, A, article_text(type="guide", status="live"))
    second = write(
        kb_dir, "articles/x/shopease-other.md", article_text(id="shopease-other", lang="fr")
    )
    result = run_check(runner, kb_dir)
    assert result.exit_code == 1
    assert [line.split(": ")[0:2] for line in result.stdout.splitlines()] == [
        [f"{first}:5", "type"],
        [f"{first}:15", "status"],
        [f"{second}:6", "lang"],
    ]
    assert "3 errors, 0 warnings in 2 articles" in result.stderr


def test_duplicate_ids(runner, kb_dir):
    first = write(kb_dir, A, article_text())
    second = write(kb_dir, "articles/x/shopease-login-password-copy.md", article_text())
    result = run_check(runner, kb_dir)
    assert result.exit_code == 1
    assert (
        f"{second}:2: id: expected an id no other article uses, found "
        f"'shopease-login-password', already the id of {first}" in result.stdout
    )


@pytest.mark.parametrize(
    ("body_extra", "message"),
    [
        (
            "<script>alert(1)</script>",
            "expected Markdown or inert HTML (no scripts), found a <script> element",
        ),
        (
            '<img src="x.png" onerror="alert(1)">',
            "expected Markdown or inert HTML (no scripts), "
            "found an event-handler attribute 'onerror' on "
            "<img>",
        ),
        (
            '<a href=" JavaScript:alert(1)">x</a>',
            "expected Markdown or inert HTML (no scripts), "
            "found a javascript: URL in 'href' on <a>",
        ),
        (
            "[x](javascript:alert(1))",
            "expected Markdown or inert HTML (no scripts), found a "
            "javascript: URL in a link 'javascript:alert(1)'",
        ),
    ],
)
def test_unsafe_html_is_rejected(runner, kb_dir, body_extra, message):
    path = write(kb_dir, A, article_text() + f"\n{body_extra}\n")
    result = run_check(runner, kb_dir)
    assert result.exit_code == 1
    line = len(article_text().split("\n")) + 1
    assert result.stdout.splitlines() == [f"{path}:{line}: body: {message}"]


def test_html_inside_code_is_fine(runner, kb_dir):
    write(kb_dir, A, article_text() + "\n`<script>` and\n\n```html\n<script>x()</script>\n```\n")
    assert run_check(runner, kb_dir).exit_code == 0


@pytest.mark.parametrize(
    ("lang", "heading", "expected"),
    [
        (
            "zh-Hans",
            "## 解决方法",
            "a '## 解决方法' section (troubleshooting articles need 现象, 环境, 原因, 解决方法)",
        ),
        (
            "zh-Hant",
            "## 解决方法",
            "a '## 解決方法' section (troubleshooting articles need 現象, 環境, 原因, 解決方法)",
        ),
        (
            "en",
            "## 解决方法",
            "a '## Resolution' section (troubleshooting articles need Symptoms, "
            "Environment, Cause, Resolution)",
        ),
    ],
)
def test_missing_required_section(runner, kb_dir, lang, heading, expected):
    text = article_text(lang=lang).replace(heading, "## 其他")
    path = write(kb_dir, A, text)
    result = run_check(runner, kb_dir)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{path}:20: body: expected {expected}, found none"]


def test_headings_are_recognised_in_every_script(runner, kb_dir):
    text = article_text(lang="en")
    for zh, other in [
        ("现象", "Symptoms"),
        ("环境", "適用環境"),
        ("原因", "Root cause"),
        ("解决方法", "處理方法："),
    ]:
        text = text.replace(f"## {zh}", f"## {other}")
    write(kb_dir, A, text)
    assert run_check(runner, kb_dir).exit_code == 0


def other(problem: str) -> dict[str, str]:
    """A title and summary of another problem (not a near-duplicate of the default article)."""
    return {"title": problem, "summary": f"{problem}，怎么办？"}


def test_links_between_articles(runner, kb_dir):
    write(
        kb_dir,
        "articles/shopease/shopease-draft.md",
        article_text(id="shopease-draft", status="draft", **other("发票抬头无法修改")),
    )
    write(
        kb_dir,
        "articles/shopease/shopease-secret.md",
        article_text(id="shopease-secret", audience="internal", **other("退款审批要走哪些流程")),
    )
    write(
        kb_dir,
        "articles/shopease/shopease-ok.md",
        article_text(id="shopease-ok", **other("物流单号一直不更新")),
    )
    body = (
        "\n[ok](shopease-ok.md#原因) [ok](/articles/shopease-ok/) [ext](https://e.example)\n"
        "[gone](shopease-gone.md) [gone](/articles/nope/)\n"
        "[draft](shopease-draft.md) [secret](../shopease/shopease-secret.md)\n"
    )
    path = write(kb_dir, A, article_text() + body)
    line = len(article_text().split("\n")) + 1
    result = run_check(runner, kb_dir)
    assert result.stdout.splitlines() == [
        f"{path}:{line + 1}: link: expected an existing article or file under {kb_dir}, "
        "found 'shopease-gone.md'",
        f"{path}:{line + 1}: link: expected an existing article or file under {kb_dir}, "
        "found '/articles/nope/'",
        f"{path}:{line + 2}: link: expected a published article, found the draft 'shopease-draft'",
        f"{path}:{line + 2}: link: expected a public article (public pages never point at "
        "internal ones), found the internal article 'shopease-secret'",
    ]


def test_translations(runner, kb_dir):
    write(kb_dir, A, article_text())
    en = write(
        kb_dir,
        "articles/shopease/shopease-login-password-en.md",
        article_text(
            id="shopease-login-password-en",
            lang="en",
            extra="translation_of: shopease-login-password\n",
        ),
    )
    chained = write(
        kb_dir,
        "articles/shopease/shopease-login-password-hant.md",
        article_text(
            id="shopease-login-password-hant",
            lang="zh-Hant",
            extra="translation_of: shopease-login-password-en\n",
        ),
    )
    same = write(
        kb_dir,
        "articles/shopease/shopease-login-password-2.md",
        article_text(
            id="shopease-login-password-2", extra="translation_of: shopease-login-password\n"
        ),
    )
    ghost = write(
        kb_dir,
        "articles/shopease/shopease-ghost.md",
        article_text(
            id="shopease-ghost",
            extra="translation_of: shopease-nothing\n",
            **other("优惠券能不能叠加使用"),
        ),
    )
    result = run_check(runner, kb_dir)
    assert en.name not in result.stdout
    assert result.stdout.splitlines() == [
        f"{ghost}:19: translation_of: expected the id of an existing article, found "
        "'shopease-nothing'",
        f"{same}:19: translation_of: expected an article in another language than zh-Hans, "
        "found 'shopease-login-password' in zh-Hans",
        f"{chained}:19: translation_of: expected the original article "
        "('shopease-login-password'), found 'shopease-login-password-en', itself a translation",
    ]


def test_warnings_fail_only_with_strict(runner, kb_dir):
    path = write(
        kb_dir,
        "articles/shopease/wrong-name.md",
        article_text(review_by="2020-01-01", versions='["1.0"]', extra="translate: [en]\n"),
    )
    result = run_check(runner, kb_dir)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{path}:2: id: expected the file to be named shopease-login-password.md, found "
        "'wrong-name.md' (warning)",
        f"{path}:8: versions.0: expected a supported version of shopease (5.2, 5.3, 6.0), "
        "found '1.0' (warning)",
        f"{path}:18: review_by: expected a date after today ({date.today().isoformat()}), "
        "found 2020-01-01 (warning)",
        f"{path}:19: translate.0: expected a translation into en, found none yet (warning)",
    ]
    strict = run_check(runner, kb_dir, "--strict")
    assert strict.exit_code == 1
    assert "check failed: 0 errors, 4 warnings in 1 article" in strict.stderr


def test_missing_settings_files(runner, tmp_path):
    (tmp_path / "articles").mkdir()
    result = run_check(runner, tmp_path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path / name}:1: file: expected a YAML file (see docs/writing-articles.md), "
        "found no such file"
        for name in ("categories.yml", "products.yml", "site.yml")
    ]


def test_bad_settings_file(runner, kb_dir):
    (kb_dir / "categories.yml").write_text("login:\n  zh-Hans: 登录\n  fr: connexion\n")
    result = run_check(runner, kb_dir)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{kb_dir / 'categories.yml'}:3: login.fr: expected a known field "
        "(see docs/writing-articles.md), found an unknown field"
    ]


def test_no_articles_folder(runner, tmp_path):
    result = run_check(runner, tmp_path / "nowhere")
    assert result.exit_code == 1
    assert (
        result.stdout == f"{tmp_path / 'nowhere' / 'articles'}:1: folder: expected a folder "
        "of articles, found no such folder\n"
    )


def test_sample_knowledge_base_has_no_errors(runner):
    result = run_check(runner, SAMPLE_KB)
    assert result.exit_code == 0, result.output
    assert " 0 errors" in result.stderr


def test_near_duplicate_articles_are_a_warning(runner, kb_dir):
    first = write(kb_dir, "articles/shopease/shopease-login-password.md", article_text())
    second = write(
        kb_dir,
        "articles/shopease/shopease-login-wrong-password.md",
        article_text(id="shopease-login-wrong-password", title="登录商家后台提示密码错误"),
    )
    write(
        kb_dir,
        "articles/shopease/shopease-coupon.md",
        article_text(id="shopease-coupon", **other("优惠券能不能叠加使用")),
    )
    result = run_check(runner, kb_dir)
    assert result.exit_code == 0
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{second}:3: title: expected an article about a problem no other ")
    assert line.endswith(
        f"of its words in common with {first} (merge them, or make the difference clear) (warning)"
    )


def test_nothing_outside_the_knowledge_base_is_linked_or_included(runner, kb_dir, tmp_path):
    canary = tmp_path / "secret.txt"
    canary.write_text("canary-4711", encoding="utf-8")
    body = (
        f"\n[a](../../../secret.txt) [b]({canary}) ![c](../../../secret.txt)\n\n"
        f'--8<-- "{canary}"\n\n---8<--- "../../../secret.txt"\n\n'
        '```\n--8<-- "shown as code, not included"\n```\n'
    )
    path = write(kb_dir, A, article_text() + body)
    result = run_check(runner, kb_dir)
    assert result.exit_code == 1
    expected = "link: expected an existing article or file under"
    lines = result.stdout.splitlines()
    assert sum(expected in line for line in lines) == 3, result.stdout
    file_lines = path.read_text("utf-8").splitlines()
    includes = [f'--8<-- "{canary}"', '---8<--- "../../../secret.txt"']
    assert [line for line in lines if "include" in line] == [
        f"{path}:{file_lines.index(text) + 1}: body: expected no file includes "
        f"(link to a file under kb/), found an include {text!r}"
        for text in includes
    ]
