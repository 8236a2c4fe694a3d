"""The `kb` commands over the feedback store: db upgrade, backlog, purge, report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from generator.errors import KbError
from generator.evidence import FORMATS, render_backlog
from generator.frontmatter import LANGS
from kbcore.backlog import STATUSES, BacklogItem, propose_resolutions, read_backlog, set_status
from kbcore.config import Settings
from kbcore.db import DatabaseError, Store, open_store
from kbcore.events import purge
from kbcore.index import IndexError_, index_root, open_current
from kbcore.ratings import forget_comments
from kbcore.search import SearchEngine

__all__ = [
    "backlog",
    "db",
    "open_engine",
    "ready_store",
    "upgrade_store",
    "propose_after_build",
    "purge_cmd",
    "report_cmd",
]

DURATION = re.compile(r"^(\d+)([dhw])$")


def _settings(ctx: click.Context) -> Settings:
    from generator.cli import settings_of

    return settings_of(ctx)


@contextmanager
def ready_store(settings: Settings) -> Iterator[Store]:
    """Open the store at this version's schema for a command; close it after.

    Any database error becomes one line that names the database, never a traceback.
    """
    store = open_store(settings.database_url, settings.data_dir)
    try:
        store.check_schema()
        yield store
    except DatabaseError as exc:
        raise KbError(str(exc)) from None
    except SQLAlchemyError as exc:
        raise KbError(f"{store.display_url()}: the database failed: {exc}") from None
    finally:
        store.dispose()


def open_engine(settings: Settings) -> SearchEngine:
    """Open the search engine of the current index generation (close it, or use ``with``)."""
    try:
        return SearchEngine(open_current(index_root(settings.data_dir)))
    except IndexError_ as exc:
        raise KbError(str(exc)) from None


def _duration(value: str, option: str) -> timedelta:
    match = DURATION.match(value.strip())
    if not match:
        raise click.BadParameter(
            f"expected a duration such as 180d, 12h or 2w, found {value!r}", param_hint=option
        )
    number, unit = int(match.group(1)), match.group(2)
    return timedelta(**{{"d": "days", "h": "hours", "w": "weeks"}[unit]: number})


@click.group()
def db() -> None:
    """Manage the database of ratings and search logs."""


@db.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Create the tables, or bring them to this version's schema."""
    click.echo(upgrade_store(_settings(ctx)))


def upgrade_store(settings: Settings) -> str:
    """Bring the database to this version's schema; say where it is and at which revision."""
    store = open_store(settings.database_url, settings.data_dir)
    try:
        revision = store.upgrade()
    except SQLAlchemyError as exc:
        raise KbError(f"{store.display_url()}: cannot upgrade the database: {exc}") from None
    finally:
        store.dispose()
    return f"{store.display_url()}: schema at revision {revision}"


def _find(items: list[BacklogItem], ref: str) -> BacklogItem:
    matches = [i for i in items if i.id.startswith(ref) or i.key == ref]
    if len(matches) != 1:
        found = "no item" if not matches else f"{len(matches)} items"
        raise click.BadParameter(
            f"expected the id of one backlog item, found {found}", param_hint="ITEM"
        )
    return matches[0]


@click.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--since", help="Only searches from the last 30d, 12h, 2w…")
@click.option("--lang", type=click.Choice(LANGS), help="Only searches in this language.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--all", "everything", is_flag=True, help="Include resolved and dismissed items.")
@click.pass_context
def backlog(
    ctx: click.Context,
    fmt: str,
    since: str | None,
    lang: str | None,
    limit: int,
    everything: bool,
) -> None:
    """List what customers searched for and did not find, most searched first."""
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings(ctx)
    start = datetime.now(UTC) - _duration(since, "--since") if since else None
    with open_engine(settings) as engine, ready_store(settings) as store:
        items = read_backlog(
            store,
            engine,
            since=start,
            lang=lang,
            statuses=STATUSES if everything else ("open", "planned"),
        )
    click.echo(render_backlog(items[:limit], fmt), nl=False)


@backlog.command("set")
@click.argument("item")
@click.argument("status", type=click.Choice(STATUSES))
@click.option("--article", help="The article that resolves the item.")
@click.pass_context
def set_cmd(ctx: click.Context, item: str, status: str, article: str | None) -> None:
    """Set the status of ITEM (its id from `kb backlog`)."""
    settings = _settings(ctx)
    with open_engine(settings) as engine, ready_store(settings) as store:
        found = _find(read_backlog(store, engine, statuses=STATUSES), item)
        set_status(store, found.key, status, article)
    click.echo(f"{found.id}: {status}" + (f" by {article}" if article else ""))


@click.command("purge")
@click.option("--older-than", required=True, help="Age of the events to delete: 180d, 12w…")
@click.pass_context
def purge_cmd(ctx: click.Context, older_than: str) -> None:
    """Delete search events and clicks, and clear rating comments, older than the given age.

    The votes themselves stay: they are counts, not personal data.
    """
    settings = _settings(ctx)
    before = datetime.now(UTC) - _duration(older_than, "--older-than")
    with ready_store(settings) as store:
        gone_searches, gone_clicks = purge(store, before)
        comments = forget_comments(store, before)
    click.echo(
        f"Deleted {gone_searches} searches and {gone_clicks} clicks, and cleared "
        f"{comments} rating comments, from before {before:%Y-%m-%d %H:%M} UTC"
    )


def propose_after_build(settings: Settings) -> str | None:
    """Re-run open backlog items on the new index; describe the proposals, if any (and a store)."""
    if not settings.has_store:
        return None  # nothing searched yet: leave no empty database behind
    store = open_store(settings.database_url, settings.data_dir)
    try:
        store.check_schema()
        with open_engine(settings) as engine:
            proposals = propose_resolutions(store, engine)
    except (DatabaseError, SQLAlchemyError):
        return None
    finally:
        store.dispose()
    if not proposals:
        return None
    lines = [f"Backlog: {len(proposals)} open items now find an article in the top 3"]
    lines += [f"  {item.id} {item.examples()[0]!r} → {article}" for item, article in proposals]
    return "\n".join(lines)


@click.command("report")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("build/report/index.html"),
    show_default=True,
    help="Where to write the HTML file.",
)
@click.option("--since", default="30d", show_default=True, help="The period: 30d, 12h, 2w…")
@click.option("--kb", "kb_dir", type=click.Path(path_type=Path), help="Knowledge base folder.")
@click.pass_context
def report_cmd(ctx: click.Context, out: Path, since: str, kb_dir: Path | None) -> None:
    """Write the dashboard for writers and support leads: one self-contained HTML file."""
    from generator.check import run_checks
    from generator.cli import settings_of
    from generator.report import collect_report, render_report, write_report
    from kbcore.stats import period_ending

    settings = settings_of(ctx, kb_dir=kb_dir)
    period = period_ending(datetime.now(UTC), _duration(since, "--since"))
    checked = run_checks(settings.kb_dir)
    if checked.kb is None:
        raise KbError(f"{settings.kb_dir}: cannot load the knowledge base ({checked.summary()})")
    with open_engine(settings) as engine, ready_store(settings) as store:
        data = collect_report(store, engine, checked.kb, period)
    path = write_report(render_report(data), out)
    totals = data.stats.totals
    click.echo(
        f"Wrote {path}: {totals.searches} searches, {len(data.backlog)} backlog items, "
        f"{len(data.overdue)} articles past review, {since} to {period.end:%Y-%m-%d %H:%M} UTC"
    )
