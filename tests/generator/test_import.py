"""`kb import` through the CLI runner: each dialect's fixture tree, then `kb check` and `kb build`.

The fixtures under tests/fixtures/import/ hold every construct each dialect converts, a parallel
en/zh tree (hugo), an include escaping the tree (docfx) and constructs that cannot be converted.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli import cli
from tests.conftest import REPO, article_text, write

FIXTURES = REPO / "tests" / "fixtures" / "import"
DOCFX = FIXTURES / "docfx" / "docs"
HUGO = FIXTURES / "hugo"
OBSIDIAN = FIXTURES / "obsidian"
JEKYLL = FIXTURES / "jekyll"
PLAIN = FIXTURES / "plain"
REVIEW_BY = date.today() + timedelta(days=180)


def kb_import(runner, kb: Path, source: Path, dialect: str, product: str, *args: str):
    result = runner.invoke(
        cli,
        ["import", str(source), "--from", dialect, "--product", product, "--kb", str(kb), *args],
    )
    return result


def problems(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.endswith("(warning)")]


def read(path: Path) -> tuple[dict[str, Any], str]:
    """The front matter and the body of an article file."""
    text = path.read_text("utf-8")
    _, front, body = text.split("---\n", 2)
    data: dict[str, Any] = yaml.safe_load(front)
    return data, body.strip("\n")


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def check_output(runner, kb: Path) -> str:
    result = runner.invoke(cli, ["check", "--kb", str(kb)])
    assert result.exit_code == 0, result.output
    output: str = result.output
    return output


def test_docfx_tree(runner, kb_dir):
    result = kb_import(
        runner, kb_dir, DOCFX, "docfx", "contoso", "--lang", "en",
        "--base-url", "https://learn.example.com/docs",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    src = str(DOCFX)
    assert problems(result.output) == [
        f"{src}/TOC.md:1: skipped: expected an article, found a table of contents "
        "(navigation, not an article) (warning)",
        f"{src}/install.md:50: include: expected a file inside SOURCE_DIR, found "
        "'../outside.md' (escapes it; left out) (warning)",
        f"{src}/install.md:52: docfx: expected a docfx extension the importer converts "
        "(:::image:::, :::no-loc:::), found ':::zone pivot=\"windows\":::' (kept as written) "
        "(warning)",
        f"{src}/install.md:54: docfx: expected one of NOTE, TIP, IMPORTANT, CAUTION, WARNING, "
        'found [!div class="nextstepaction"] (kept the content) (warning)',
        f"{src}/install.md:57: unsafe html: expected Markdown or inert HTML, found a <script> "
        "element (removed with its content) (warning)",
        f"{src}/install.md:59: unsafe html: expected Markdown or inert HTML, found a javascript: "
        "URL in 'href' on <a> (removed) (warning)",
        f"{src}/install.md:59: unsafe html: expected Markdown or inert HTML, found an "
        "event-handler attribute 'onclick' on <a> (removed) (warning)",
        f"{src}/install.md:61: unsafe html: expected a link that runs no script, found "
        "'javascript:alert(2)' (kept the text) (warning)",
    ]
    out = kb_dir / "articles" / "imported" / "contoso"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "contoso-faq.md",
        "contoso-install.md",
        "media/diagram.svg",
        "troubleshoot/contoso-troubleshoot-agent-startup.md",
    ]
    assert (out / "media/diagram.svg").read_bytes() == (DOCFX / "media/diagram.svg").read_bytes()

    meta, body = read(out / "contoso-install.md")
    assert meta == {
        "id": "contoso-install",
        "title": "Install the Contoso agent",
        "summary": "Install the Contoso agent on Windows and Linux servers.",
        "type": "howto",
        "lang": "en",
        "product": "contoso",
        "category": "contoso",
        "keywords": ["agent", "setup", "How to install the Contoso agent"],
        "audience": "public",
        "status": "unvalidated",
        "owner": "jdoe",
        "updated": date(2025, 3, 14),
        "review_by": REVIEW_BY,
        "source": "install.md",
    }
    assert body.startswith("## Steps\n\nUse this guide to install the agent on a server.\n")
    assert '!!! note "Note"\n\n    The agent needs 200 MB of free disk space.' in body
    assert '!!! info "Important"\n\n    Restart the server after installing.' in body
    assert "![Agent architecture](media/diagram.svg)" in body
    assert "Press Win + X to open the menu." in body
    assert (
        '### Choose your platform\n\n=== "Windows"\n\n    Run the installer:\n\n'
        "    ```powershell\n    .\\install.ps1\n    ```\n\n"
        '=== "Linux"\n\n    Run the script:\n\n    ```bash\n    sudo ./install.sh\n    ```\n\n'
        "### After installing"
    ) in body
    assert (
        "[Fix agent startup errors](troubleshoot/contoso-troubleshoot-agent-startup.md#resolution)"
        in body
    )
    assert "[FAQ](contoso-faq.md)" in body
    assert "[site map](troubleshoot/contoso-troubleshoot-agent-startup.md)" in body
    assert "[retired guide](https://learn.example.com/docs/retired)" in body
    # The include, converted as its own file, its link made relative to this article.
    assert (
        '!!! tip "Tip"\n\n    Still stuck? See the [architecture diagram](media/diagram.svg).'
        in body
    )
    assert "outside" not in body and "INCLUDE" not in body
    assert ':::zone pivot="windows":::' in body  # kept, reported
    assert "> [Next: troubleshoot](troubleshoot/contoso-troubleshoot-agent-startup.md)" in body
    assert "<script" not in body and "alert" not in body and "onclick" not in body
    assert "<a>Click</a>" in body and "\nDo not click" in body
    assert body.endswith(
        "![Flow: agent to server](media/diagram.svg)\n"
        "The agent sends data to the server every minute."
    )

    meta, body = read(out / "troubleshoot" / "contoso-troubleshoot-agent-startup.md")
    assert (meta["type"], meta["category"], meta["error_codes"]) == (
        "troubleshooting",
        "contoso-troubleshoot",
        ["0x80070005"],
    )
    assert body.startswith(
        "## Environment\n\n_Applies to:_ Contoso agent 2.x on Windows Server\n\n## Symptoms\n"
    )
    assert '!!! danger "Caution"' in body

    meta, body = read(out / "contoso-faq.md")
    assert (meta["type"], meta["title"], meta["updated"]) == (
        "faq",
        "Frequently asked questions about the Contoso agent",
        date(2025, 1, 2),
    )
    assert body.startswith("## Answer\n\nCommon questions about installing and running the agent.")
    logs = "See [Install the Contoso agent](contoso-install.md#after-installing)."
    assert f"#### Where are the logs?\n\n{logs}" in body
    assert "kb check: 0 errors, 0 warnings in 3 articles" in check_output(runner, kb_dir)


def test_hugo_parallel_trees_pair_translations(runner, kb_dir):
    result = kb_import(runner, kb_dir, HUGO, "hugo", "orbit", "--product-name", "Orbit")
    assert result.exit_code == 0, result.output
    src = str(HUGO)
    assert problems(result.output) == [
        f"{src}/en/TOC.md:1: skipped: expected an article, found a table of contents "
        "(navigation, not an article) (warning)",
        f"{src}/en/overview.md:36: shortcode: expected a shortcode the importer knows "
        "(copyable), found '{{< youtube id=\"abc123\" >}}' (kept as written) (warning)",
        f"{src}/en/overview.md:38: component: expected Markdown or HTML, found "
        "'<CustomBanner kind=\"promo\">' (kept as written) (warning)",
        f"{src}/en/overview.md:40: variable: expected a value for '.edition' in a variables "
        "file (variables.json …) or --variables, found '{{{ .edition }}}' (kept as written) "
        "(warning)",
    ]
    out = kb_dir / "articles" / "imported" / "orbit"
    found = {p.relative_to(out).as_posix(): read(p)[0] for p in sorted(out.rglob("*.md"))}
    assert {path: (m["id"], m["lang"], m.get("translation_of")) for path, m in found.items()} == {
        "en/deploy/orbit-deploy-index.md": ("orbit-deploy-index", "en", None),
        "en/deploy/orbit-deploy-install.md": ("orbit-deploy-install", "en", None),
        "en/orbit-english-only.md": ("orbit-english-only", "en", None),
        "en/orbit-overview.md": ("orbit-overview", "en", None),
        "zh/deploy/orbit-deploy-index-zh.md":
            ("orbit-deploy-index-zh", "zh-Hans", "orbit-deploy-index"),
        "zh/deploy/orbit-deploy-install-zh.md":
            ("orbit-deploy-install-zh", "zh-Hans", "orbit-deploy-install"),
        "zh/orbit-overview-zh.md": ("orbit-overview-zh", "zh-Hans", "orbit-overview"),
    }  # fmt: skip
    meta, body = read(out / "en" / "orbit-overview.md")
    assert (meta["keywords"], meta["category"], meta["source"]) == (
        ["orbit-overview"],
        "orbit",
        "en/overview.md",
    )
    assert body.startswith(
        "## Steps\n\nOrbit v1.2.0 schedules batch jobs. Ask https://support.example.com for help."
        "\n\n```shell\norbit --version   # prints v1.2.0\n```\n\n"
        '!!! note "Note"\n\n    Orbit needs Java 17.\n\n'
        '=== "Linux"\n\n    Install with `apt install orbit`.\n\n'
        '=== "macOS"\n\n    Install with `brew install orbit`.\n\n'
        "Next: [install Orbit](deploy/orbit-deploy-install.md#requirements), or read the "
        "[deployment section](deploy/orbit-deploy-index.md)."
    )
    assert "copyable" not in body and "SimpleTab" not in body and "<div" not in body
    assert '{{< youtube id="abc123" >}}' in body and "{{{ .edition }}}" in body
    meta, body = read(out / "en" / "deploy" / "orbit-deploy-install.md")
    assert meta["type"] == "howto" and body.startswith("## Requirements\n")  # its own sections
    assert "[overview](../orbit-overview.md)" in body
    assert '!!! warning "Warning"\n\n    Do not install two versions side by side.' in body
    meta, body = read(out / "zh" / "orbit-overview-zh.md")
    assert body.startswith("## 操作步骤\n\nOrbit v1.2.0 用于调度批处理作业。")
    assert '!!! note "注意"\n\n    Orbit 需要 Java 17。' in body
    assert "[安装 Orbit](deploy/orbit-deploy-install-zh.md)" in body
    categories = yaml.safe_load((kb_dir / "categories.yml").read_text("utf-8"))
    assert categories["orbit-deploy"] == {"zh-Hans": "部署", "en": "Deployment"}
    assert categories["orbit"] == {"zh-Hans": "Orbit", "en": "Orbit"}
    assert "kb check: 0 errors, 0 warnings in 7 articles" in check_output(runner, kb_dir)


def test_obsidian_vault(runner, kb_dir):
    result = kb_import(runner, kb_dir, OBSIDIAN, "obsidian", "helpdesk", "--lang", "en")
    assert result.exit_code == 0, result.output
    src = str(OBSIDIAN)
    assert problems(result.output) == [
        f"{src}/Welcome.md:11: wikilink: expected a link to a note or a heading, found the "
        "block reference '#^step-3' (linked to the note) (warning)",
        f"{src}/Welcome.md:30: callout: expected one of abstract, bug, danger, example, failure,"
        " info, note, question, quote, success, tip, warning, found '[!recipe]' (shown as a "
        "note) (warning)",
        f"{src}/Welcome.md:33: wikilink: expected a note of the vault, found '[[Ghost note]]' "
        "(kept the text) (warning)",
    ]
    out = kb_dir / "articles" / "imported" / "helpdesk"
    meta, body = read(out / "helpdesk-welcome.md")
    assert (meta["title"], meta["tags"], meta["keywords"], meta["updated"]) == (
        "Welcome",
        ["onboarding", "helpdesk"],
        ["Start here", "Home"],
        date(2025, 2, 10),
    )
    guide = "Guides/helpdesk-guides-setup-guide.md"
    for expected in [
        f"Read [Setup Guide]({guide}) first.",
        f"[the setup guide]({guide})",
        f"[Setup Guide › Install the client]({guide}#install-the-client)",
        "a heading here: [Contacts](#contacts)",
        f"a block: [Setup Guide]({guide}).",
        "\n![diagram](attachments/diagram.svg)\n",
        'Small: ![diagram](attachments/diagram.svg){ width="300" }',
        "Call **8000** for urgent problems, and see ![diagram](attachments/diagram.svg) for",
        "Inline embed: [Shared snippet](helpdesk-shared-snippet.md) stays a link.",
        '??? tip "Folded tip"\n\n    Press F5 to refresh.',
        '???+ warning "Open warning"\n\n    Back up first.',
        '!!! question "Question"\n\n    Questions go to the team channel.',
        '!!! note "Odd callout"\n\n    Keep the text.',
        "Missing: Ghost note.",
        "<!-- reviewer: check the screenshots -->",
        "Remember: <mark>never share passwords</mark>.",
    ]:
        assert expected in body, expected
    assert "[[" not in body and "%%" not in body
    assert (out / "attachments" / "diagram.svg").is_file()
    chinese = [p for p in out.glob("helpdesk-*.md") if read(p)[0]["title"] == "常见问题"]
    assert len(chinese) == 1 and re.fullmatch(r"helpdesk-[0-9a-f]{8}\.md", chinese[0].name)
    meta, body = read(chinese[0])
    assert (meta["type"], meta["source"], meta["keywords"]) == ("faq", "常见问题.md", ["FAQ"])
    assert body.startswith("## Answer\n\n### 如何重置密码？")
    assert "[联系方式](helpdesk-welcome.md#contacts)" in body
    assert "kb check: 0 errors, 0 warnings in 4 articles" in check_output(runner, kb_dir)


def test_jekyll_site(runner, kb_dir):
    result = kb_import(runner, kb_dir, JEKYLL, "jekyll", "lumen", "--lang", "en")
    assert result.exit_code == 0, result.output
    src = str(JEKYLL)
    assert problems(result.output) == [
        f"{src}/docs/getting-started.md:27: liquid: expected Markdown (or a Liquid tag the "
        "importer knows), found '{{ page.title }}' (kept as written) (warning)",
        f"{src}/docs/getting-started.md:29: liquid: expected Markdown (or a Liquid tag the "
        "importer knows), found '{% include footer.html %}' (kept as written) (warning)",
    ]
    out = kb_dir / "articles" / "imported" / "lumen"
    meta, body = read(out / "lumen-index.md")
    assert body == (
        "## Steps\n\nStart with [Getting started](docs/lumen-docs-getting-started.md) or the\n"
        "[configuration guide](docs/lumen-docs-configure.md).\n"
        "Release news: [Lumen 3.1](_posts/lumen-posts-2023-04-05-lumen-3-1.md).\n\n"
        "![Layout](assets/diagram.svg)"
    )
    meta, body = read(out / "docs" / "lumen-docs-getting-started.md")
    assert (meta["owner"], meta["updated"], meta["keywords"], meta["tags"]) == (
        "Ana Lima",
        date(2025, 1, 20),
        ["quickstart"],
        ["basics"],
    )
    assert (
        '!!! warning "Warning"\n\n    Sensors must run firmware 2.0 or later. See '
        "[configuration](lumen-docs-configure.md)."
    ) in body
    assert '!!! tip "Quick check"\n\n    Open the dashboard to see every sensor.' in body
    assert "```bash\nlumen status --all\n```" in body
    assert "Templates use {{ sensor.name }} placeholders." in body and "raw %}" not in body
    meta, _ = read(out / "_posts" / "lumen-posts-2023-04-05-lumen-3-1.md")
    assert (meta["updated"], meta["category"]) == (date(2023, 4, 5), "lumen-posts")
    meta, body = read(out / "docs" / "lumen-docs-configure.md")
    assert meta["type"] == "howto" and body.startswith("## Steps\n\n1. Open")
    assert "kb check: 0 errors, 0 warnings in 4 articles" in check_output(runner, kb_dir)


def test_plain_tree_keeps_native_types(runner, kb_dir):
    result = kb_import(runner, kb_dir, PLAIN, "plain", "desk", "--lang", "zh-Hant")
    assert result.exit_code == 0, result.output
    src = str(PLAIN)
    assert problems(result.output) == [
        f"{src}/README.md:1: skipped: expected an article, found a repository file (README, "
        "LICENSE …) (warning)",
        f"{src}/escalation.md:5: link: expected a path inside SOURCE_DIR, found "
        "'../../wiki/escalation.md' (kept the text) (warning)",
        f"{src}/escalation.md:5: link: expected an existing file or imported page of SOURCE_DIR "
        "(or --base-url), found 'handbook.md' (kept the text) (warning)",
        f"{src}/escalation.md:6: unsafe html: expected Markdown or inert HTML, found an "
        "event-handler attribute 'onerror' on <img> (removed) (warning)",
        f"{src}/escalation.md:6: unsafe html: expected a link that runs no script, found "
        "'javascript:alert(document.cookie)' (kept the text) (warning)",
    ]
    out = kb_dir / "articles" / "imported" / "desk"
    meta, body = read(out / "printers" / "desk-printers-paper-jam.md")
    assert meta["type"] == "troubleshooting" and body.startswith("## 現象\n")
    assert "（參見 ![紙匣](../images/tray.svg)）" in body
    meta, body = read(out / "desk-reset-password.md")
    assert (meta["type"], meta["summary"], meta["updated"]) == (
        "howto",
        "從管理主控台寄送密碼重設連結。",
        date(2024, 9, 30),
    )
    assert body.count("## 操作步驟") == 1
    assert '!!! warning "警告"\n\n    切勿在電話中念出密碼。' in body
    # A footnote is not a link; a reference definition is rewritten like any link.
    assert body.endswith("[^1]: 需要客服主管權限。\n[jam]: printers/desk-printers-paper-jam.md")
    meta, body = read(out / "desk-escalation.md")
    assert (meta["title"], meta["summary"]) == (
        "何時升級工單",
        "客戶等待超過一個工作天，且第一線步驟無效時，請升級工單。",
    )
    assert body == (
        "## 操作步驟\n\n客戶等待超過一個工作天，且第一線步驟無效時，請升級工單。\n\n"
        '詳情見舊版 wiki 與手冊。\n一個危險連結和一張 <img src="images/tray.svg">。'
    )
    assert "kb check: 0 errors, 0 warnings in 3 articles" in check_output(runner, kb_dir)


def test_every_dialect_into_one_kb_checks_and_builds(runner, kb_dir, tmp_path):
    imports: list[tuple[Path, str, str, list[str]]] = [
        (DOCFX, "docfx", "contoso", ["--lang", "en"]),
        (HUGO, "hugo", "orbit", []),
        (OBSIDIAN, "obsidian", "helpdesk", ["--lang", "en"]),
        (JEKYLL, "jekyll", "lumen", ["--lang", "en"]),
        (PLAIN, "plain", "desk", ["--lang", "zh-Hant"]),
    ]
    for source, dialect, product, args in imports:
        result = kb_import(runner, kb_dir, source, dialect, product, *args)
        assert result.exit_code == 0, result.output
    assert "kb check: 0 errors, 0 warnings in 21 articles" in check_output(runner, kb_dir)
    site = tmp_path / "site"
    result = runner.invoke(
        cli,
        [
            "build",
            "--kb",
            str(kb_dir),
            "--site-dir",
            str(site),
            "--data-dir",
            str(tmp_path / "var"),
        ],
    )
    assert result.exit_code == 0, result.output
    page = (site / "articles" / "contoso-install" / "index.html").read_text("utf-8")
    assert 'class="admonition info"' in page and 'class="tabbed-set' in page
    assert "<script>alert" not in page
    assert (site / "kb-files/articles/imported/contoso/media/diagram.svg").is_file()
    page = (site / "articles" / "helpdesk-welcome" / "index.html").read_text("utf-8")
    assert "<details" in page and "<mark>never share passwords</mark>" in page


def test_reimport_changes_nothing(runner, kb_dir):
    first = kb_import(runner, kb_dir, HUGO, "hugo", "orbit")
    assert first.exit_code == 0, first.output
    before = snapshot(kb_dir)
    second = kb_import(runner, kb_dir, HUGO, "hugo", "orbit")
    assert second.exit_code == 0, second.output
    assert "0 articles written, 7 unchanged" in second.output
    assert "products.yml: added" not in second.output
    assert snapshot(kb_dir) == before


def test_reimport_keeps_review_by_and_reports_stale_articles(runner, kb_dir):
    assert kb_import(runner, kb_dir, PLAIN, "plain", "desk", "--lang", "zh-Hant").exit_code == 0
    out = kb_dir / "articles" / "imported" / "desk"
    path = out / "desk-escalation.md"
    text = path.read_text("utf-8").replace(f"review_by: {REVIEW_BY}", "review_by: 2099-01-31")
    path.write_text(text, "utf-8")
    stale = write(
        out, "desk-gone.md", article_text("desk-gone", product="desk", extra="source: gone.md\n")
    )
    result = kb_import(runner, kb_dir, PLAIN, "plain", "desk", "--lang", "zh-Hant")
    assert result.exit_code == 0, result.output
    assert path.read_text("utf-8") == text and "0 articles written, 3 unchanged" in result.output
    assert (
        f"{stale}:1: stale: expected an article whose source is still in SOURCE_DIR, found "
        "'gone.md', no longer there (delete the article) (warning)"
    ) in result.output.splitlines()
    assert stale.is_file()


def test_ids_already_taken_get_a_hash(runner, kb_dir):
    write(kb_dir / "articles", "own/desk-escalation.md", article_text("desk-escalation"))
    result = kb_import(runner, kb_dir, PLAIN, "plain", "desk", "--lang", "zh-Hant")
    assert result.exit_code == 0, result.output
    ids = sorted(read(p)[0]["id"] for p in (kb_dir / "articles" / "imported").rglob("*.md"))
    assert ids[0] == "desk-escalation-" + ids[0].rsplit("-", 1)[1] and len(ids[0]) == 24
    again = kb_import(runner, kb_dir, PLAIN, "plain", "desk", "--lang", "zh-Hant")
    assert "0 articles written, 3 unchanged" in again.output


def test_settings_files_keep_their_text(runner, kb_dir):
    categories = (kb_dir / "categories.yml").read_text("utf-8")
    products = (kb_dir / "products.yml").read_text("utf-8")
    result = kb_import(
        runner, kb_dir, PLAIN, "plain", "deskmate", "--lang", "zh-Hant",
        "--category", "printing-devices",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "added" not in result.output
    assert (kb_dir / "categories.yml").read_text("utf-8") == categories
    assert (kb_dir / "products.yml").read_text("utf-8") == products
    result = kb_import(runner, kb_dir, JEKYLL, "jekyll", "lumen", "--lang", "en")
    assert f"{kb_dir / 'products.yml'}: added 'lumen'" in result.output.splitlines()
    assert (
        f"{kb_dir / 'categories.yml'}: added 'lumen', 'lumen-posts', 'lumen-docs'"
        in result.output.splitlines()
    )
    text = (kb_dir / "categories.yml").read_text("utf-8")
    assert text.startswith(categories) and f"# Imported from {JEKYLL}\n" in text
    assert yaml.safe_load(text)["lumen-posts"] == {"zh-Hans": "Posts", "en": "Posts"}


@pytest.mark.parametrize(
    ("source", "dialect", "args", "message"),
    [
        (
            PLAIN,
            "plain",
            [],
            "Error: --lang: expected the language of the articles (zh-Hans, zh-Hant or en), "
            "found none (only a tree with language folders such as en/ and zh/ can do without)",
        ),
        (
            HUGO,
            "hugo",
            ["--lang", "zh-Hant"],
            "Error: --lang: expected the language of one of the folders en, zh "
            "(zh-Hans, en), found zh-Hant",
        ),
        (
            FIXTURES / "jekyll" / "_includes",
            "jekyll",
            ["--lang", "en"],
            f"Error: {FIXTURES / 'jekyll' / '_includes'}: expected Markdown articles (*.md), "
            "found none to import",
        ),
    ],
)
def test_usage_errors(runner, kb_dir, source, dialect, args, message):
    result = kb_import(runner, kb_dir, source, dialect, "desk", *args)
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == message
    assert not (kb_dir / "articles" / "imported").exists()


def test_out_must_be_inside_the_kb_articles(runner, kb_dir, tmp_path):
    out = tmp_path / "elsewhere"
    result = kb_import(runner, kb_dir, PLAIN, "plain", "desk", "--lang", "en", "--out", str(out))
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: --out: expected a folder inside {kb_dir / 'articles'}, found {out}"
    )


def test_out_names_the_kb(runner, kb_dir):
    out = kb_dir / "articles" / "desk"
    result = runner.invoke(
        cli, ["import", str(PLAIN), "--from", "plain", "--product", "desk", "--lang", "en",
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "desk-escalation.md").is_file()
    assert "desk:" in (kb_dir / "products.yml").read_text("utf-8")


def test_product_must_be_an_id(runner, kb_dir):
    result = kb_import(runner, kb_dir, PLAIN, "plain", "Desk App", "--lang", "en")
    assert result.exit_code == 2
    assert (
        "Invalid value for '--product': expected an id of lowercase letters, digits and single "
        "hyphens, found 'Desk App'"
    ) in result.output


def test_docfx_include_cycle_is_refused(runner, kb_dir, tmp_path):
    source = tmp_path / "docs"
    write(source, "a.md", "# A\n\nText.\n\n[!INCLUDE [b](includes/b.md)]\n")
    write(source, "includes/b.md", "B text.\n\n[!INCLUDE [b](b.md)]\n")
    result = kb_import(runner, kb_dir, source, "docfx", "loop", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert problems(result.output) == [
        f"{source}/includes/b.md:3: include: expected a file that does not include itself, "
        "found 'b.md' (left out) (warning)"
    ]
    _, body = read(kb_dir / "articles" / "imported" / "loop" / "loop-a.md")
    assert body == "## Steps\n\nText.\n\nB text."


LONG_TITLE = "How to " + "configure the agent " * 7


@pytest.mark.parametrize(
    ("dialect", "text", "problem", "kept"),
    [
        (
            "hugo",
            '# T\n\n<SimpleTab>\n<div label="A">\n\nA text.\n\n</div>\n',
            '3: tabs: expected <div label="…"> … </div> blocks closed by </SimpleTab>, found '
            "'<SimpleTab>' (kept as written)",
            '<SimpleTab>\n<div label="A">\n\nA text.\n\n</div>',
        ),
        (
            "jekyll",
            "# T\n\n{% callout note %}\nNever closed.\n",
            "3: liquid: expected {% callout %} … {% endcallout %}, found '{% callout note %}' "
            "without its end (kept as written)",
            "{% callout note %}\nNever closed.",
        ),
        (
            "plain",
            "---\ntitle: [unclosed\n---\n# Real title\n\nBody text.\n",
            "2: front matter: expected valid YAML (expected ',' or ']', but got '<stream end>'), "
            "found none of its fields was kept",
            "Body text.",
        ),
        (
            "plain",
            f"---\ntitle: {LONG_TITLE}\n---\n\nBody text.\n",
            f"2: title: expected at most 120 characters, found {len(LONG_TITLE.strip())} "
            "(shortened)",
            "Body text.",
        ),
        (
            "obsidian",
            "Intro.\n\n![[page]]\n",
            "3: embed: expected a note that does not embed itself, found 'page.md' (linked "
            "instead)",
            "Intro.\n\n[page](odd-page.md)",
        ),
    ],
)
def test_unconvertible_constructs_are_reported(
    runner, kb_dir, tmp_path, dialect, text, problem, kept
):
    page = write(tmp_path / "src", "page.md", text)
    result = kb_import(runner, kb_dir, tmp_path / "src", dialect, "odd", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert problems(result.output) == [f"{page}:{problem} (warning)"]
    meta, body = read(kb_dir / "articles" / "imported" / "odd" / "odd-page.md")
    assert kept in body
    assert len(meta["title"]) <= 120
    check_output(runner, kb_dir)


def test_undecodable_file_is_an_error_and_exclude_leaves_pages_out(runner, kb_dir, tmp_path):
    source = tmp_path / "src"
    write(source, "good.md", "# Good\n\nText.\n")
    write(source, "drafts/wip.md", "# WIP\n\nText.\n")
    (source / "latin1.md").write_bytes("# Caf\xe9\n".encode("latin-1"))
    result = kb_import(
        runner, kb_dir, source, "plain", "odd", "--lang", "en", "--exclude", "drafts/*"
    )
    assert result.exit_code == 0, result.output
    assert f"{source}/latin1.md:1: file: expected UTF-8 text, found an undecodable byte at 5" in (
        result.output.splitlines()
    )
    out = kb_dir / "articles" / "imported" / "odd"
    assert [p.name for p in out.rglob("*.md")] == ["odd-good.md"]
    assert "2 files: 1 articles written, 0 unchanged, 1 skipped" in result.output


def test_a_source_dir_given_through_dot_dot_imports_the_same(runner, kb_dir):
    direct = kb_import(runner, kb_dir, HUGO, "hugo", "orbit")
    assert direct.exit_code == 0, direct.output
    before = snapshot(kb_dir)
    roundabout = HUGO.parent / "plain" / ".." / "hugo"
    again = kb_import(runner, kb_dir, roundabout, "hugo", "orbit")
    assert again.exit_code == 0, again.output
    assert "0 articles written, 7 unchanged" in again.output
    assert snapshot(kb_dir) == before
