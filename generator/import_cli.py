"""`kb import`: convert an existing Markdown documentation tree into kb articles."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from typing import Literal, get_args

import click

from generator.errors import KbError
from generator.frontmatter import LANGS, SLUG_PATTERN, Lang
from generator.importer import DIALECTS, Dialect, ImportOptions, UsageError, run_import
from generator.pagekit import Audience

__all__ = ["import_cmd"]

PATH = click.Path(path_type=Path)


def _slug(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(SLUG_PATTERN, value):
        raise click.BadParameter(
            f"expected an id of lowercase letters, digits and single hyphens, found {value!r}"
        )
    return value


def _kb_of(out: Path) -> Path | None:
    """The knowledge base an --out folder is in: the parent of its nearest ``articles``."""
    for folder in [out.absolute(), *out.absolute().parents]:
        if folder.name == "articles":
            return folder.parent
    return None


@click.command("import")
@click.argument("source_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--from", "dialect", type=click.Choice(DIALECTS), required=True, help="Markdown dialect."
)
@click.option(
    "--product",
    required=True,
    callback=_slug,
    help="Product id (added to products.yml if missing).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGS),
    help="Language of the articles; with en/ zh/ folders, the language of the originals.",
)
@click.option("--out", type=PATH, help="Output folder (default KB/articles/imported/PRODUCT).")
@click.option("--kb", "kb_dir", type=PATH, help="Knowledge base folder (default kb/).")
@click.option("--product-name", help="Product name for products.yml (default: the id).")
@click.option(
    "--category", callback=_slug, help="Put every article in this category (default: by folder)."
)
@click.option("--owner", help="Owner of every article (default: the page's author).")
@click.option(
    "--audience",
    type=click.Choice(get_args(Audience)),
    default="public",
    show_default=True,
    help="Audience of every article.",
)
@click.option(
    "--status",
    type=click.Choice(["unvalidated", "validated"]),
    default="unvalidated",
    show_default=True,
    help="Status of every article (published either way).",
)
@click.option("--base-url", help="Original site: links to pages not imported point there.")
@click.option(
    "--variables",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Hugo variables file (JSON or YAML) for {{{ .name }}}.",
)
@click.option("--exclude", multiple=True, help="Glob of source paths to leave out (repeatable).")
@click.pass_context
def import_cmd(
    ctx: click.Context,
    source_dir: Path,
    dialect: Dialect,
    product: str,
    lang: Lang | None,
    out: Path | None,
    kb_dir: Path | None,
    product_name: str | None,
    category: str | None,
    owner: str | None,
    audience: Literal["public", "internal"],
    status: Literal["unvalidated", "validated"],
    base_url: str | None,
    variables: Path | None,
    exclude: tuple[str, ...],
) -> None:
    """Convert the Markdown pages under SOURCE_DIR into kb articles, reporting what could not be.

    Each problem is printed as path:line: what: expected …, found …; see docs/importing.md.
    """
    from generator.cli import settings_of

    if kb_dir is None and out is not None:
        kb_dir = _kb_of(out)
    settings = settings_of(ctx, kb_dir=kb_dir)
    options = ImportOptions(
        dialect=dialect,
        product=product,
        lang=lang,
        product_name=product_name,
        category=category,
        owner=owner,
        audience=audience,
        status=status,
        base_url=base_url,
        variables_file=variables,
        exclude=exclude,
    )
    target = out or settings.kb_dir / "articles" / "imported" / product
    started = time.perf_counter()
    try:
        result = run_import(
            source_dir, kb_dir=settings.kb_dir, out_dir=target, options=options, today=date.today()
        )
    except UsageError as exc:
        raise KbError(str(exc)) from None
    report = result.report
    for problem in report.sorted():
        click.echo(str(problem))
    for line in report.settings:
        click.echo(line)
    types = ", ".join(f"{kind} {n}" for kind, n in sorted(result.types.items()))
    click.echo(
        f"kb import: {report.summary()}; types: {types}; {time.perf_counter() - started:.1f} s",
        err=True,
    )
    click.echo(f"Next: kb check --kb {settings.kb_dir}", err=True)
