"""The `kb` command: thin click commands over the library functions."""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from pathlib import Path
from typing import Any, get_args

import click

from generator.check import CheckResult, run_checks
from generator.errors import KbError
from generator.pagekit import Audience
from kbcore import __version__
from kbcore.config import ConfigError, Settings, load_settings

__all__ = ["cli", "settings_of"]

PATH = click.Path(path_type=Path)


def settings_of(ctx: click.Context, **overrides: Any) -> Settings:
    """Load the settings: the --config file, KB_* variables, then ``overrides``."""
    try:
        return load_settings(overrides, config_file=ctx.obj)
    except ConfigError as exc:
        raise KbError(f"invalid configuration:\n{exc}") from None


def _report(result: CheckResult, *, strict: bool) -> None:
    for problem in result.problems.sorted():
        click.echo(str(problem))
    click.echo(f"kb check: {result.summary()}", err=True)
    result.raise_if_failed(strict=strict)


# The commands of other modules, by name: imported when run (or listed by --help), so that
# `kb build` and `kb check` do not first import the database's and the search's libraries.
LAZY_COMMANDS = {
    "backlog": "generator.data_cli:backlog",
    "db": "generator.data_cli:db",
    "import": "generator.import_cli:import_cmd",
    "new": "generator.new_cli:new_cmd",
    "purge": "generator.data_cli:purge_cmd",
    "report": "generator.data_cli:report_cmd",
    "search": "generator.search_cli:search_cmd",
    "stats": "generator.stats_cli:stats_cmd",
}


class LazyGroup(click.Group):
    """A group whose :data:`LAZY_COMMANDS` are imported when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, _, name = LAZY_COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=PATH,
    default=None,
    help="Config file (TOML). Default: kb.toml if present, or $KB_CONFIG.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show MkDocs' own messages.")
@click.version_option(__version__, prog_name="kb")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, verbose: bool) -> None:
    """Build and serve a self-service help portal from Markdown case articles."""
    ctx.obj = config
    logging.basicConfig(
        format="%(levelname)s %(name)s: %(message)s",
        level=logging.INFO if verbose else logging.WARNING,
    )
    # MkDocs logs every page at INFO; only its warnings matter to writers.
    logging.getLogger("mkdocs").setLevel(logging.INFO if verbose else logging.WARNING)
    # jieba logs loading its dictionary at DEBUG, through a handler of its own.
    import jieba

    jieba.setLogLevel(logging.INFO if verbose else logging.WARNING)


@cli.command()
@click.option("--kb", "kb_dir", type=PATH, help="Knowledge base folder (default kb/).")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_context
def check(ctx: click.Context, kb_dir: Path | None, strict: bool) -> None:
    """Validate every article and list every problem, one per line."""
    settings = settings_of(ctx, kb_dir=kb_dir)
    _report(run_checks(settings.kb_dir, data_dir=settings.data_dir), strict=strict)


@cli.command()
@click.option("--kb", "kb_dir", type=PATH, help="Knowledge base folder (default kb/).")
@click.option(
    "--audience",
    type=click.Choice(get_args(Audience)),
    default="public",
    show_default=True,
    help="public: the customers' portal; internal: the agents' portal, internal articles too.",
)
@click.option(
    "--site-dir",
    type=PATH,
    help="Where to write the site (default site/, or site-internal/ for --audience internal).",
)
@click.option(
    "--data-dir",
    type=PATH,
    help="Where to write the manifest, the search index and the build cache (default var/).",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--full",
    is_flag=True,
    help="Parse, render and index every article again (no cache).",
)
@click.pass_context
def build(
    ctx: click.Context,
    kb_dir: Path | None,
    audience: Audience,
    site_dir: Path | None,
    data_dir: Path | None,
    strict: bool,
    full: bool,
) -> None:
    """Check the articles, then build the portal and its manifest.

    Only what changed since the last build is rendered and indexed again (see --full).
    """
    from generator.build import build_site

    settings = settings_of(ctx, kb_dir=kb_dir, data_dir=data_dir)
    if site_dir is None:
        site_dir = settings.site_dir if audience == "public" else settings.internal_site_dir
    result = run_checks(settings.kb_dir, data_dir=settings.data_dir, fresh=full)
    _report(result, strict=strict)
    assert result.kb is not None
    bar: Any = None

    def start(total: int) -> None:
        nonlocal bar
        bar = click.progressbar(length=total, label="Building pages", file=sys.stderr)
        bar.__enter__()

    try:
        built = build_site(
            result.kb,
            config_file=settings.mkdocs_config,
            site_dir=site_dir,
            data_dir=settings.data_dir,
            audience=audience,
            on_start=start,
            progress=lambda n: bar.update(n),
            full=full,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    full_text, slim = built.offline_index_bytes
    click.echo(
        f"Built {built.articles} articles ({built.pages} pages, {built.rendered} rendered, "
        f"{built.indexed} indexed) for the {audience} portal into {built.site_dir}; manifest "
        f"{built.manifest_path}; offline search index {slim / 1000:.0f} kB"
        + (f" (full text would be {full_text / 1000:.0f} kB)" if full_text is not None else "")
    )
    if audience == "public" and settings.has_store:  # the backlog: what customers did not find
        from generator.data_cli import propose_after_build

        proposals = propose_after_build(settings)
        if proposals:
            click.echo(proposals)


@cli.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8000).")
@click.option("--site-dir", type=PATH, help="Built site to serve (default site/).")
@click.option(
    "--internal-site-dir",
    type=PATH,
    help="Built agents' site to serve at /internal/ (default site-internal/).",
)
@click.option("--data-dir", type=PATH, help="Data folder with the manifest (default var/).")
@click.option("--kb", "kb_dir", type=PATH, help="Knowledge base folder to watch (default kb/).")
@click.option(
    "--watch",
    is_flag=True,
    help="Preview: build now, rebuild what changes in the knowledge base, reload the page.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    site_dir: Path | None,
    internal_site_dir: Path | None,
    data_dir: Path | None,
    kb_dir: Path | None,
    watch: bool,
) -> None:
    """Serve the built portal, the agents' portal (/internal/) and the API from one process."""
    import waitress

    from generator.data_cli import upgrade_store
    from generator.preview import Preview
    from generator.preview import watch as watch_changes
    from generator.server import create_portal_app

    settings = settings_of(
        ctx,
        host=host,
        port=port,
        site_dir=site_dir,
        internal_site_dir=internal_site_dir,
        data_dir=data_dir,
        kb_dir=kb_dir,
    )
    preview = Preview(settings, click.echo) if watch else None
    if preview is not None:
        preview.rebuild()
        if preview.problems:
            raise KbError(
                "the knowledge base has errors; fix them and run `kb serve --watch` again"
            )
    if not (settings.site_dir / "index.html").is_file():
        raise KbError(f"{settings.site_dir}: expected a built site, found none (run `kb build`)")
    upgrade_store(settings)
    app = create_portal_app(settings, preview)
    url = f"http://{settings.host}:{settings.port}"
    click.echo(f"Serving {settings.site_dir} and the API on {url} (Ctrl+C to stop)")
    if not (settings.internal_site_dir / "index.html").is_file():
        click.echo(f"Agents' portal {url}/internal/: not built (kb build --audience internal)")
    elif not (settings.agent_password or settings.agent_tokens):
        click.echo(
            f"Agents' portal {url}/internal/: no login configured "
            "(set KB_AGENT_PASSWORD or KB_AGENT_TOKENS)"
        )
    else:
        click.echo(f"Agents' portal on {url}/internal/ (agent login)")
    stop = threading.Event()
    if preview is not None:
        click.echo(f"Watching {settings.kb_dir} and {settings.mkdocs_config} for changes")
        watching = threading.Event()
        threading.Thread(target=watch_changes, args=(preview, stop, watching), daemon=True).start()
        watching.wait(timeout=30)  # serve (and say so) only once a save would be seen
    try:
        waitress.serve(
            app,
            host=settings.host,
            port=settings.port,
            threads=settings.threads,
            ident="kb-portal",
            _quiet=True,
        )
    except OSError as exc:
        raise KbError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}") from None
    finally:
        stop.set()
