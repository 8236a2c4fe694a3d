"""Put a new folder where an old one is, without a moment when neither is there."""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

__all__ = ["exchange", "replace_folder"]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
# The kernel or the file system cannot exchange: fall back to two renames.
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP}


def exchange(first: Path, second: Path) -> bool:
    """Exchange two existing paths in one step (Linux's ``renameat2`` with
    ``RENAME_EXCHANGE``); False, having done nothing, where that is not possible."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError, TypeError):  # not Linux, or a C library without it
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(second))


def replace_folder(new: Path, target: Path, aside: Path) -> None:
    """Put the folder ``new`` at ``target``; the old one, if any, ends up at ``aside`` (on the
    same file system, not existing yet), for the caller to remove.

    A web server reading ``target`` meanwhile finds the old folder or the new one: they are
    exchanged in one step. Where they cannot be, the old folder is renamed first, which leaves
    ``target`` missing for an instant.
    """
    if target.exists() and exchange(new, target):
        os.replace(new, aside)
        return
    if target.exists():
        os.replace(target, aside)
    os.replace(new, target)
