"""The feedback store's tables and engines: SQLite by default, PostgreSQL when configured.

SQLite (a file in the data dir) runs in WAL mode with ``synchronous=FULL`` (a committed rating
survives a crash of the process or the machine; search and click events, on the events engine,
use ``synchronous=NORMAL``, PostgreSQL's ``synchronous_commit=off``: they survive a crash of the
process), a busy timeout, and ``BEGIN IMMEDIATE`` for writers, so two processes never race
between a read and the write that depends on it.
PostgreSQL is used when ``KB_DATABASE_URL`` is set (``postgresql://user@host/db``; the psycopg 3
driver is chosen for you). The schema is versioned by Alembic migrations in
``kbcore/migrations``; :func:`upgrade` applies them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from kbcore.config import SQLITE_FILE

__all__ = [
    "DatabaseError",
    "Store",
    "article_flags",
    "article_links",
    "backlog_items",
    "clicks",
    "database_url",
    "metadata",
    "open_store",
    "ratings",
    "searches",
]

metadata = MetaData()

ID = 120  # article ids are slugs of at most this many characters

searches = Table(
    "searches",
    metadata,
    Column("search_id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("query", Text, nullable=False),  # as typed, personal data redacted
    Column("norm", Text, nullable=False),  # normalised (NFKC, case, script)
    Column("lang", String(8), nullable=False),  # the reader's language, as the engine guessed
    Column("filters", Text, nullable=False),  # JSON object of the filters used
    Column("total", Integer, nullable=False),
    Column("top_ids", Text, nullable=False),  # the first three results' ids, space-separated
    Column("fallback", String(16)),
    Column("audience", String(10), nullable=False),  # customer | agent
    Column("ticket_id", String(80)),
)

clicks = Table(
    "clicks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("search_id", String(32), nullable=False, index=True),
    Column("article_id", String(ID), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("search_id", "article_id", name="uq_clicks_search_article"),
)

ratings = Table(
    "ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", String(ID), nullable=False),
    Column("client_token", String(36), nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("reason", String(20)),
    Column("comment", Text),
    Column("search_id", String(32), index=True),
    Column("address", String(64), nullable=False),  # keyed hash of the client address
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("article_id", "client_token", name="uq_ratings_article_client"),
    Index("ix_ratings_address_created", "address", "created_at"),
    Index("ix_ratings_client_created", "client_token", "created_at"),
)

backlog_items = Table(
    "backlog_items",
    metadata,
    Column("need_key", Text, primary_key=True),
    Column("status", String(12), nullable=False),  # open | planned | resolved | dismissed
    Column("article_id", String(ID)),  # the article that resolves it, named by a writer
    Column("proposed_article_id", String(ID)),  # found in the top 3 after a build
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

article_links = Table(
    "article_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", String(ID), nullable=False),
    Column("ticket_id", String(80), nullable=False),
    Column("agent", String(64), nullable=False),  # keyed hash of the agent's token
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("article_id", "ticket_id", name="uq_links_article_ticket"),
)

article_flags = Table(
    "article_flags",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", String(ID), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # outdated | incorrect | missing-step | duplicate
    Column("note", Text),
    Column("agent", String(64), nullable=False),
    Column("status", String(12), nullable=False),  # open | closed
    Column("created_at", DateTime(timezone=True), nullable=False),
)

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseError(Exception):
    """The store cannot be opened, or its schema is not the one this version needs."""


def database_url(configured: str | None, data_dir: Path) -> str:
    """Return the URL to use: the configured one, or the SQLite file in ``data_dir``."""
    if not configured:
        return f"sqlite:///{(data_dir / SQLITE_FILE).resolve()}"
    try:
        url = make_url(configured)
    except ArgumentError:
        raise DatabaseError(
            f"KB_DATABASE_URL: expected a URL such as postgresql://user@host/db, "
            f"found {configured!r}"
        ) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"KB_DATABASE_URL: expected a sqlite:/// or postgresql:// URL, "
            f"found {url.get_backend_name()}://"
        )
    return url.render_as_string(hide_password=False)


def _sqlite_engine(url: str, busy_timeout_ms: int, synchronous: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin (see _begin).
        dbapi_connection.isolation_level = None
        for pragma in (
            "journal_mode=WAL",
            f"synchronous={synchronous}",
            f"busy_timeout={busy_timeout_ms}",
            "foreign_keys=ON",
        ):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # Writers take the write lock up front: no read-then-write race between processes.
        immediate = connection.get_execution_options().get("immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _pg_options(url: str, ours: str) -> str:
    """Our server options after the URL's own (``?options=-csearch_path%3Dkb``), not instead."""
    given = make_url(url).query.get("options", ())
    return " ".join([*((given,) if isinstance(given, str) else given), ours])


class Store:
    """One database: an engine for requests and a second one for events with short waits."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 5000, event_timeout_ms: int = 200):
        self.url = url
        self.backend = make_url(url).get_backend_name()
        if self.backend == "sqlite":
            Path(make_url(url).database or "").parent.mkdir(parents=True, exist_ok=True)
            self.engine = _sqlite_engine(url, busy_timeout_ms, "FULL")
            # Search and click events need not wait for the disk: a crash of the process loses
            # none, a power cut may lose the last moment's (never a rating: those go through
            # self.engine).
            self.events_engine = _sqlite_engine(url, event_timeout_ms, "NORMAL")
        else:
            self.engine = create_engine(
                url,
                pool_pre_ping=True,
                connect_args={
                    "connect_timeout": max(1, busy_timeout_ms // 1000),
                    "options": _pg_options(url, f"-c lock_timeout={busy_timeout_ms}"),
                },
            )
            self.events_engine = create_engine(
                url,
                pool_pre_ping=True,
                connect_args={
                    "connect_timeout": 1,
                    "options": _pg_options(
                        url,
                        f"-c lock_timeout={event_timeout_ms} "
                        f"-c statement_timeout={event_timeout_ms * 5} "
                        # As SQLite's NORMAL: a crash of the server may lose the last moment's.
                        "-c synchronous_commit=off",
                    ),
                },
            )
        # Writers' engines, made once (making one for every write cost about 0.1 ms).
        self._writer = self.engine.execution_options(immediate=True)
        self._events_writer = self.events_engine.execution_options(immediate=True)

    @contextmanager
    def writing(self, *, events: bool = False) -> Iterator[Connection]:
        """Open a write transaction (SQLite: ``BEGIN IMMEDIATE``), committed on success."""
        with (self._events_writer if events else self._writer).begin() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Open a read transaction."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def insert(self, table: Table) -> Any:
        """An INSERT in this store's dialect, which can say ``on_conflict_do_…``."""
        dialect = postgresql if self.backend == "postgresql" else sqlite_dialect
        return dialect.insert(table)

    def lock(self, conn: Connection, key: str) -> None:
        """Serialise writers that share ``key`` until the transaction ends (PostgreSQL).

        SQLite needs nothing: ``BEGIN IMMEDIATE`` already lets one writer in at a time.
        """
        if self.backend == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

    def revision(self) -> str | None:
        """Return the schema revision the database is at (None: empty database)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        """The latest migration of this version."""
        return ScriptDirectory.from_config(self._alembic()).get_current_head()

    def check_schema(self) -> None:
        """Raise DatabaseError unless the database is at this version's latest migration."""
        head = self.head_revision()
        current = self.revision()
        if current != head:
            raise DatabaseError(
                f"{self.display_url()}: expected schema revision {head}, found "
                f"{current or 'an empty database'} (run `kb db upgrade`)"
            )

    def upgrade(self) -> str | None:
        """Apply every pending migration; return the revision reached."""
        with self.engine.begin() as conn:
            config = self._alembic()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        return self.revision()

    def _alembic(self) -> AlembicConfig:
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        return config

    def display_url(self) -> str:
        """The URL without its password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        """Close every pooled connection (after a fork, or at exit)."""
        self.engine.dispose()
        self.events_engine.dispose()


def open_store(
    configured_url: str | None,
    data_dir: Path,
    *,
    busy_timeout_ms: int = 5000,
    event_timeout_ms: int = 200,
) -> Store:
    """Open the configured store (nothing is created until it is used)."""
    return Store(
        database_url(configured_url, data_dir),
        busy_timeout_ms=busy_timeout_ms,
        event_timeout_ms=event_timeout_ms,
    )
