"""The storage resources a service holds: the store, the event log, redaction, address keys.

Both services (and the CLI) open them from the same settings with :func:`open_storage`; a Flask
app keeps one :class:`Storage` in ``app.extensions["kb_storage"]``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from kbcore.analysis import normalize
from kbcore.config import Settings
from kbcore.db import Store, open_store
from kbcore.events import EventLog, SearchEvent
from kbcore.ratings import RatingLimits
from kbcore.redact import Redactor
from kbcore.search import SearchRequest, SearchResponse

__all__ = ["Storage", "open_storage", "secret_of"]

SECRET_FILE = "secret_key"


def secret_of(settings: Settings) -> bytes:
    """The configured key, or one kept in the data dir (made once, readable by its owner).

    The key is written to a temporary file and linked into place, so a second worker starting
    at the same moment reads either nothing (and links its own, which fails) or the whole key.
    """
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    path = settings.data_dir / SECRET_FILE
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd, tmp = tempfile.mkstemp(prefix=".secret-", dir=settings.data_dir)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            with suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_bytes().strip()


@dataclass
class Storage:
    """What the services need to record evidence."""

    store: Store
    events: EventLog
    redact: Redactor
    limits: RatingLimits
    key: bytes

    def log_search(
        self,
        search_id: str,
        request: SearchRequest,
        found: SearchResponse,
        *,
        ticket_id: str | None = None,
        agent: bool | None = None,
    ) -> None:
        """Record a search for the writers' backlog (personal data redacted); never fails.

        ``agent`` defaults to whether the search included internal articles.
        """
        agent = request.internal if agent is None else agent
        typed = self.redact(request.q)
        filters = {
            name: value
            for name in ("lang", "product", "type", "category", "tag")
            if (value := getattr(request, name)) is not None
        }
        self.events.search(
            SearchEvent(
                search_id=search_id,
                query=typed,
                norm=normalize(typed).strip(),
                lang=found.lang,
                filters=filters,
                total=found.total,
                top_ids=[hit.id for hit in found.results[:3]],
                fallback=found.fallback,
                audience="agent" if agent else "customer",
                ticket_id=ticket_id if agent else None,
            )
        )

    def address(self, remote: str | None) -> str:
        """A keyed hash of a client address: countable, not reversible."""
        digest = hmac.new(self.key, (remote or "unknown").encode(), hashlib.sha256)
        return digest.hexdigest()[:32]


def open_storage(settings: Settings) -> Storage:
    """Open the store and its companions from ``settings``."""
    store = open_store(
        settings.database_url, settings.data_dir, busy_timeout_ms=settings.db_busy_timeout_ms
    )
    return Storage(
        store=store,
        events=EventLog(store, Path(settings.data_dir) / "spool"),
        redact=Redactor(settings.redact_patterns),
        limits=RatingLimits(
            settings.rating_limit_per_client,
            settings.rating_limit_per_address,
            settings.rating_limit_window_s,
        ),
        key=secret_of(settings),
    )
