"""`kb new`: create a correctly named article from its template, after a near-duplicate check."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import click

from generator.data_cli import open_engine
from generator.errors import KbError
from generator.frontmatter import LANGS, TYPES, ArticleType, Lang
from generator.knowledge import KnowledgeBase, load_knowledge_base
from generator.new_article import (
    InvalidOption,
    NewArticle,
    NewArticleRequest,
    near_duplicates,
    plan_article,
    write_article,
)
from generator.problems import Problems
from kbcore.config import Settings

__all__ = ["new_cmd"]

PATH = click.Path(path_type=Path)


def _git_user() -> str:
    """Return `git config user.name`, or "unknown" without git or a configured name."""
    try:
        done = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def _load(root: Path) -> KnowledgeBase:
    problems = Problems()
    kb = load_knowledge_base(root, problems)
    if kb is None:
        lines = [str(problem) for problem in problems.errors]
        sep = "\n" if len(lines) > 1 else " "
        raise KbError(f"cannot read the knowledge base:{sep}" + "\n".join(lines))
    return kb


def _confirm_new(settings: Settings, article: NewArticle, title: str, yes: bool) -> bool:
    """List existing articles that look like the same problem; return whether to go on."""
    try:
        engine = open_engine(settings)
    except KbError as exc:
        click.echo(f"Near-duplicate check skipped: {exc.format_message()}")
        return True
    with engine:
        similar = near_duplicates(engine, title)
    if not similar:
        return True
    click.echo("Articles that may already cover this problem:")
    for hit in similar:
        url = hit.url.split("#", 1)[0]
        click.echo(f"  {hit.id}  {hit.title}  {url}  ({hit.product}, {hit.lang})")
    if yes:
        click.echo(f"Creating {article.id} anyway (--yes).")
        return True
    return click.confirm("Create it anyway?", default=False)


@click.command("new")
@click.argument("title")
@click.option(
    "--type", "type_", type=click.Choice(TYPES), required=True, help="Article type (sections)."
)
@click.option("--lang", type=click.Choice(LANGS), required=True, help="Language of the article.")
@click.option("--product", required=True, help="Product id from kb/products.yml.")
@click.option("--category", help="Category id (default: the product's most used one).")
@click.option("--owner", help="Who keeps the article true (default: git config user.name).")
@click.option("-y", "--yes", is_flag=True, help="Create it even if similar articles exist.")
@click.option("--kb", "kb_dir", type=PATH, help="Knowledge base folder (default kb/).")
@click.pass_context
def new_cmd(
    ctx: click.Context,
    title: str,
    type_: ArticleType,
    lang: Lang,
    product: str,
    category: str | None,
    owner: str | None,
    yes: bool,
    kb_dir: Path | None,
) -> None:
    """Create an article titled TITLE from the template of its type and language."""
    from generator.cli import settings_of

    settings = settings_of(ctx, kb_dir=kb_dir)
    kb = _load(settings.kb_dir)
    request = NewArticleRequest(title, type_, lang, product, category, owner or _git_user())
    try:
        article = plan_article(kb, request, today=date.today())
    except InvalidOption as exc:
        raise click.BadParameter(exc.message, param_hint=exc.option) from None
    except ValueError as exc:
        raise KbError(f"cannot write a valid article: {exc}") from None
    if not _confirm_new(settings, article, title.strip(), yes):
        click.echo("Nothing written.")
        ctx.exit(1)
    try:
        write_article(article)
    except FileExistsError:
        raise KbError(f"{article.path}: expected a new file, found an existing one") from None
    click.echo(f"Created {article.path}")
    click.echo("Write the summary and every section, then run `kb check`.")
