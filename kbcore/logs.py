"""The services' log lines: plain text for a terminal, or one JSON object per line for collectors.

Everything kb-portal logs goes through the ``kb`` logger (``kb.access``: one line per request;
``kb.http``: unexpected errors with their request id), to standard error.
"""

from __future__ import annotations

import logging
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

__all__ = ["LogFormat", "setup_logging"]

LogFormat = Literal["text", "json"]
_MARK = "kb_handler"


def setup_logging(fmt: LogFormat) -> None:
    """Send the ``kb`` loggers to standard error in ``fmt``, once per process."""
    logger = logging.getLogger("kb")
    if any(getattr(handler, _MARK, False) for handler in logger.handlers):
        return
    handler = logging.StreamHandler()
    setattr(handler, _MARK, True)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
