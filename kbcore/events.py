"""Search events and result clicks: stored, or spooled to disk and replayed, never failing.

Logging must neither fail nor slow a search. Events go through the store's events engine, whose
lock waits are short; on any storage error the event is appended to a spool file in
``data_dir/spool`` (one file per process) and replayed later, after the next event that was
stored. Replays are idempotent: a search is keyed by its ``search_id`` and a click by
``(search_id, article_id)``, and inserts skip rows that are already there.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from kbcore.db import Store, clicks, searches

__all__ = ["ClickEvent", "EventLog", "SearchEvent", "insert_ignoring_duplicates", "purge"]

log = logging.getLogger("kb.events")

REPLAY_EVERY_S = 5.0
STALE_CLAIM_S = 300.0


@dataclass(frozen=True)
class SearchEvent:
    """One search as the server answered it (``query`` already redacted)."""

    search_id: str
    query: str
    norm: str
    lang: str
    filters: dict[str, str]
    total: int
    top_ids: list[str]
    fallback: str | None
    audience: str
    ticket_id: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def row(self) -> dict[str, Any]:
        row = _fields(self)
        row["filters"] = json.dumps(self.filters, ensure_ascii=False, sort_keys=True)
        row["top_ids"] = " ".join(self.top_ids)
        return row


@dataclass(frozen=True)
class ClickEvent:
    """A result of a search that the reader opened."""

    search_id: str
    article_id: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def row(self) -> dict[str, Any]:
        return _fields(self)


def _fields(event: SearchEvent | ClickEvent) -> dict[str, Any]:
    """An event's fields as a row, not copied (``asdict`` deep-copies: a fifth of a write)."""
    return {name: getattr(event, name) for name in event.__dataclass_fields__}


TABLES: dict[str, Table] = {"search": searches, "click": clicks}
KEYS = {"search": ["search_id"], "click": ["search_id", "article_id"]}


def insert_ignoring_duplicates(store: Store, table: Table, keys: list[str]) -> Any:
    """An INSERT that skips rows whose ``keys`` already exist."""
    return store.insert(table).on_conflict_do_nothing(index_elements=keys)


class EventLog:
    """Write events to the store, or to this process's spool file when the store fails."""

    def __init__(self, store: Store, spool_dir: Path) -> None:
        self.store = store
        self.spool_dir = spool_dir
        self._lock = threading.Lock()
        self._next_replay = 0.0
        # Built once: building the statement for every event cost about 0.1 ms.
        self._inserts = {
            kind: insert_ignoring_duplicates(store, TABLES[kind], KEYS[kind]) for kind in TABLES
        }

    def search(self, event: SearchEvent) -> None:
        """Record a search; never raises."""
        self._write("search", event.row())

    def click(self, event: ClickEvent) -> None:
        """Record a click; never raises."""
        self._write("click", event.row())

    def _write(self, kind: str, row: dict[str, Any]) -> None:
        try:
            with self.store.writing(events=True) as conn:
                conn.execute(self._inserts[kind], row)
        except SQLAlchemyError as exc:
            log.warning("storing a %s event failed, spooled: %s", kind, exc.__class__.__name__)
            self._spool(kind, row)
            # Replay as soon as the store takes an event again, not up to REPLAY_EVERY_S later.
            self._next_replay = 0.0
            return
        if time.monotonic() >= self._next_replay:
            self._next_replay = time.monotonic() + REPLAY_EVERY_S
            self.replay()

    def _spool(self, kind: str, row: dict[str, Any]) -> None:
        line = json.dumps({"kind": kind, "row": row}, ensure_ascii=False, default=str) + "\n"
        try:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            with self._lock, open(self.spool_dir / f"events-{os.getpid()}.jsonl", "a") as fh:
                fh.write(line)
        except OSError as exc:
            log.error("spooling a %s event failed, event dropped: %s", kind, exc)

    def pending(self) -> int:
        """Count the spooled events waiting for a replay."""
        count = 0
        for path in self._spool_files():
            with open(path, encoding="utf-8") as fh:
                count += sum(1 for line in fh if line.strip())
        return count

    def _spool_files(self) -> list[Path]:
        if not self.spool_dir.is_dir():
            return []
        # A replay cut off by a crash leaves its claimed file behind: take it back after a while.
        stale = []
        for path in self.spool_dir.glob("replaying-*.jsonl"):
            with suppress(OSError):  # finished and removed meanwhile
                if time.time() - path.stat().st_mtime > STALE_CLAIM_S:
                    stale.append(path)
        return sorted([*self.spool_dir.glob("events-*.jsonl"), *stale])

    def replay(self) -> int:
        """Store every spooled event; return how many were replayed. Never raises."""
        replayed = 0
        for path in self._spool_files():
            if not self._claimable(path):
                continue
            # Claim the file first, so two workers never replay the same one.
            claimed = path.with_name(f"replaying-{uuid.uuid4().hex}.jsonl")
            try:
                with self._lock:
                    os.rename(path, claimed)
            except OSError:
                continue
            try:
                replayed += self._replay_file(claimed)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("replaying %s failed, kept for later: %s", path.name, exc)
                with suppress(OSError):
                    os.rename(claimed, path.with_name(f"events-retry-{uuid.uuid4().hex}.jsonl"))
                break
            claimed.unlink()
        return replayed

    @staticmethod
    def _claimable(path: Path) -> bool:
        """Whether no live process other than this one may still append to ``path``."""
        owner = path.stem.removeprefix("events-")
        if not owner.isdigit() or int(owner) == os.getpid():
            return True
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def _replay_file(self, path: Path) -> int:
        by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in TABLES}
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                try:
                    record = json.loads(line)
                    row = dict(record["row"])
                    row["created_at"] = datetime.fromisoformat(row["created_at"])
                    by_kind[record["kind"]].append(row)
                except (ValueError, KeyError, TypeError) as exc:
                    # A torn last line after a crash: skip it, keep the rest.
                    log.warning("%s:%d: skipped an unreadable event: %s", path.name, number, exc)
        try:
            with self.store.writing(events=True) as conn:
                for kind, rows in by_kind.items():
                    if rows:
                        conn.execute(self._inserts[kind], rows)
        except (DataError, IntegrityError):
            # One event the database refuses for good must not hold back the others.
            return self._replay_one_by_one(by_kind, path)
        return sum(len(rows) for rows in by_kind.values())

    def _replay_one_by_one(self, by_kind: dict[str, list[dict[str, Any]]], path: Path) -> int:
        stored = 0
        for kind, rows in by_kind.items():
            for row in rows:
                try:
                    with self.store.writing(events=True) as conn:
                        conn.execute(self._inserts[kind], row)
                    stored += 1
                except (DataError, IntegrityError) as exc:
                    log.error(
                        "%s: dropped a %s event the database refuses: %s", path.name, kind, exc
                    )
        return stored


def purge(store: Store, before: datetime) -> tuple[int, int]:
    """Delete searches made before ``before`` and their clicks; return both counts."""
    with store.writing() as conn:
        old = select(searches.c.search_id).where(searches.c.created_at < before)
        gone_clicks = conn.execute(
            delete(clicks).where(clicks.c.search_id.in_(old) | (clicks.c.created_at < before))
        ).rowcount
        gone_searches = conn.execute(
            delete(searches).where(searches.c.created_at < before)
        ).rowcount
    return gone_searches, gone_clicks
