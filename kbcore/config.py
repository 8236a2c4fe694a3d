"""Declare every setting of kb-portal once, and load it from its layers.

Layers, lowest first: the defaults declared in :class:`Settings`, the config file (``kb.toml`` in
the working directory, or the file named by ``KB_CONFIG`` or ``--config``), ``KB_*`` environment
variables (``KB_PORT=8080``), then explicit overrides (CLI options, or the mapping a test passes to
``create_app``). The merged values are validated once; a bad value raises :class:`ConfigError`
naming where it came from, what was expected and what was found.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

__all__ = ["ConfigError", "Settings", "load_settings", "DEFAULT_CONFIG_FILE", "SQLITE_FILE"]

DEFAULT_CONFIG_FILE = Path("kb.toml")
# The feedback store in data_dir when no database_url is set.
SQLITE_FILE = "kb.sqlite"
ENV_PREFIX = "KB_"


class ConfigError(Exception):
    """A setting has a value that cannot be used; the message names its source."""


def _split_commas(value: Any) -> Any:
    """Accept ``a,b`` from an environment variable as well as a list from a file."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _split_spaces(value: Any) -> Any:
    """Accept ``a b`` from an environment variable (regexes may hold commas)."""
    if isinstance(value, str):
        return tuple(value.split())
    return value


def _check_patterns(value: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
    return value


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


def _check_origins(value: tuple[str, ...]) -> tuple[str, ...]:
    for origin in value:
        if not _ORIGIN.match(origin):
            raise ValueError(f"{origin!r} is not an origin")
    return value


class Settings(BaseModel):
    """Every setting of the generator and the services, with its default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kb_dir: Path = Field(Path("kb"), description="Knowledge base folder (articles, categories…).")
    mkdocs_config: Path = Field(Path("mkdocs.yml"), description="Base MkDocs configuration.")
    site_dir: Path = Field(Path("site"), description="Where the public site is built.")
    internal_site_dir: Path = Field(
        Path("site-internal"), description="Where the agents' site is built (served at /internal/)."
    )
    data_dir: Path = Field(Path("var"), description="Manifest, search index and local data.")
    host: str = Field("127.0.0.1", min_length=1, description="Address `kb serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `kb serve` listens on.")
    threads: int = Field(8, ge=1, le=256, description="Request threads of `kb serve`.")
    agent_tokens: Annotated[tuple[str, ...], BeforeValidator(_split_commas)] = Field(
        (), description="Bearer tokens that let agents search internal articles."
    )
    agent_password: str | None = Field(
        None, min_length=8, description="Password agents log in with, with their name."
    )
    agent_session_hours: int = Field(
        12, ge=1, le=720, description="How long an agent's login lasts, in hours."
    )
    search_time_budget_ms: int = Field(
        500, ge=10, le=10000, description="Longest a search may go on to its next stage."
    )
    database_url: str | None = Field(
        None,
        min_length=1,
        description="PostgreSQL URL for ratings and search logs (default: SQLite in data_dir).",
    )
    db_busy_timeout_ms: int = Field(
        5000, ge=50, le=60000, description="How long a rating waits for a locked database."
    )
    rating_limit_per_client: int = Field(
        30, ge=1, le=100000, description="Articles one browser may rate per window."
    )
    rating_limit_per_address: int = Field(
        120, ge=1, le=1000000, description="Articles one network address may rate per window."
    )
    rating_limit_window_s: int = Field(
        3600, ge=1, le=604800, description="The window of the two rating limits, in seconds."
    )
    redact_patterns: Annotated[
        tuple[str, ...], BeforeValidator(_split_spaces), AfterValidator(_check_patterns)
    ] = Field((), description="Regexes of order numbers to redact (space-separated in KB_*).")
    proxy_hops: int = Field(
        0, ge=0, le=5, description="Trusted reverse proxies in front (for X-Forwarded-For)."
    )
    cors_origins: Annotated[
        tuple[str, ...], BeforeValidator(_split_commas), AfterValidator(_check_origins)
    ] = Field((), description="Sites (https://host) whose pages may call the API from a browser.")
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as text, or as one JSON object per line."
    )
    secret_key: str | None = Field(
        None,
        min_length=16,
        description="Key for hashing client addresses (default: a key kept in data_dir).",
    )

    @property
    def has_store(self) -> bool:
        """Whether the feedback store is there: a configured database, or the SQLite file in
        data_dir (told without importing the database's libraries)."""
        return self.database_url is not None or (self.data_dir / SQLITE_FILE).is_file()


def _env_layer(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name in Settings.model_fields:
        key = ENV_PREFIX + name.upper()
        if key in environ:
            values[name] = environ[key]
            sources[name] = key
    return values, sources


def _file_layer(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: expected a readable TOML file, found {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: expected valid TOML, found an error: {exc}") from exc
    section = data.get("kb", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: kb: expected a table, found {type(section).__name__}")
    return dict(section), {name: f"{path}: {name}" for name in section}


def _expected(name: str) -> str:
    """Describe in words what the setting ``name`` accepts."""
    field = Settings.model_fields.get(name)
    if field is None:
        return "one of " + ", ".join(Settings.model_fields)
    if field.annotation is int:
        low = next(m.ge for m in field.metadata if hasattr(m, "ge"))
        high = next(m.le for m in field.metadata if hasattr(m, "le"))
        return f"an integer from {low} to {high}"
    if field.annotation is Path:
        return "a path"
    if name.endswith("_tokens"):
        return "a comma-separated list of tokens"
    if name == "redact_patterns":
        return "a list of regular expressions"
    if name == "database_url":
        return "a database URL"
    if name == "secret_key":
        return "text of at least 16 characters"
    if name == "log_format":
        return "text or json"
    if name == "cors_origins":
        return "a comma-separated list of origins (https://host[:port])"
    if name == "agent_password":
        return "text of at least 8 characters"
    return "non-empty text"


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge defaults, config file, ``KB_*`` variables and overrides; validate once."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    if config_file is None and environ.get("KB_CONFIG"):
        config_file = Path(environ["KB_CONFIG"])
    if config_file is not None or DEFAULT_CONFIG_FILE.is_file():
        file_values, file_sources = _file_layer(config_file or DEFAULT_CONFIG_FILE)
        values.update(file_values)
        sources.update(file_sources)

    env_values, env_sources = _env_layer(environ)
    values.update(env_values)
    sources.update(env_sources)

    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
            sources[name] = f"option {name}"

    try:
        return Settings(**values)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "?"
            found = (
                "an unknown setting" if error["type"] == "extra_forbidden" else repr(error["input"])
            )
            lines.append(f"{sources.get(name, name)}: expected {_expected(name)}, found {found}")
        raise ConfigError("\n".join(lines)) from None
