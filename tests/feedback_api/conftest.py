"""The portal's feedback API in-process, over a data dir of its own and each database backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Table, func, select

from generator.server import create_portal_app
from kbcore.config import Settings, load_settings
from kbcore.manifest import read_manifest
from kbcore.storage import Storage, open_storage
from tests.conftest import Built, copy_data_dir


@pytest.fixture
def data_dir(built_sample: Built, tmp_path: Path) -> Path:
    return copy_data_dir(built_sample, tmp_path / "var")


@pytest.fixture(scope="session")
def article_ids(built_sample: Built) -> list[str]:
    """Ids of the articles readers can rate, in manifest order."""
    return [a.id for a in read_manifest(built_sample.data_dir).articles if a.audience == "public"]


@dataclass
class Portal:
    """A test client of the portal and the storage it writes to."""

    client: FlaskClient
    storage: Storage
    settings: Settings

    def rows(self, table: Table, *where: Any) -> list[Any]:
        with self.storage.store.reading() as conn:
            return list(conn.execute(select(table).where(*where)))

    def count(self, table: Table, *where: Any) -> int:
        with self.storage.store.reading() as conn:
            found = conn.execute(select(func.count()).select_from(table).where(*where))
            return int(found.scalar_one())


def settings_for(data_dir: Path, site_dir: Path, database_url: str, **overrides: Any) -> Settings:
    values = {
        "data_dir": data_dir,
        "site_dir": site_dir,
        "internal_site_dir": site_dir.parent / "site-internal",
        "database_url": database_url,
    }
    return load_settings({**values, **overrides}, environ={})


@pytest.fixture
def make_portal(
    database_url: str, data_dir: Path, built_sample: Built
) -> Iterator[Callable[..., Portal]]:
    """Create the portal app over a migrated database, with settings ``overrides``."""
    opened: list[Storage] = []

    def make(**overrides: Any) -> Portal:
        settings = settings_for(data_dir, built_sample.site_dir, database_url, **overrides)
        setup = open_storage(settings).store
        setup.upgrade()
        setup.dispose()
        app = create_portal_app(settings)
        storage: Storage = app.extensions["kb_storage"]
        opened.append(storage)
        return Portal(app.test_client(), storage, settings)

    yield make
    for storage in opened:
        storage.store.dispose()


@pytest.fixture
def portal(make_portal: Callable[..., Portal]) -> Portal:
    return make_portal()
