"""Write an index in a child process, beside a build that renders in this one.

MkDocs renders a site in the build's own process; writing the index in a thread of that process
would share Python's one lock with it. A spawned child (``kb serve --watch`` builds from a
thread, and forking a threaded process is unsafe) writes it instead, and tells the build how far
it got; the build can stop it, and a child whose build is gone (killed) stops by itself.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import time
from collections.abc import Callable
from threading import Event
from typing import Any, Protocol

from generator.errors import BuildError

__all__ = ["IndexingStopped", "Signals", "ThreadSignals", "run_in_child"]

POLL_SECONDS = 0.1
JOIN_SECONDS = 5.0


class IndexingStopped(Exception):
    """The build that asked for the index stopped it (its other half failed)."""


class Signals(Protocol):
    """How an index writer reports its progress and learns that it must stop."""

    def written(self) -> None:
        """One more document is written."""

    def check(self) -> None:
        """Raise :class:`IndexingStopped` if the build stopped the writing."""


class ThreadSignals:
    """Signals of a writer in the build's own process."""

    def __init__(self, progress: Callable[[int], None] | None, stop: Event) -> None:
        self.progress, self.stop = progress, stop

    def written(self) -> None:
        if self.progress is not None:
            self.progress(1)

    def check(self) -> None:
        if self.stop.is_set():
            raise IndexingStopped("stopped by the build")


class _ChildSignals:
    """Signals of a writer in a child process: through a queue and an event."""

    def __init__(self, parent: int, halt: Any, done: Any) -> None:
        self.parent, self.halt, self.done = parent, halt, done

    def written(self) -> None:
        self.done.put(1)

    def check(self) -> None:
        if self.halt.is_set() or os.getppid() != self.parent:
            raise IndexingStopped("stopped by the build")


def _child(
    target: Callable[..., None],
    args: tuple[Any, ...],
    parent: int,
    halt: Any,
    done: Any,
    results: Any,
) -> None:
    """In the child: run ``target(*args, signals)``; put None or the error on ``results``."""
    try:
        target(*args, _ChildSignals(parent, halt, done))
    except Exception as exc:  # the build raises it, naming the file where there is one
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001  (anything unpicklable is sent as its message)
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        results.put(exc)
        return
    results.put(None)


def run_in_child(
    target: Callable[..., None],
    args: tuple[Any, ...],
    *,
    progress: Callable[[int], None] | None,
    stop: Event,
) -> None:
    """Run ``target(*args, signals)`` in a spawned child and wait for it.

    ``target`` is a module-level function (it is sent to the child by name) that calls
    ``signals.written()`` per document and ``signals.check()`` between documents. ``progress``
    is called as it reports; :class:`IndexingStopped` is raised once ``stop`` is set, and what
    the child raised if it failed.
    """
    context = multiprocessing.get_context("spawn")
    halt, done, results = context.Event(), context.Queue(), context.Queue()
    child = context.Process(
        target=_child,
        args=(target, args, os.getpid(), halt, done, results),
        name="kb-index-writer",
    )
    try:
        child.start()
        while True:
            try:
                error = results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                _report(done, progress)
                if stop.is_set():
                    raise IndexingStopped("stopped by the build") from None
                # A child that ends normally has put its result first: only others are lost.
                if child.exitcode not in (None, 0):
                    raise BuildError(
                        f"the index writer ended (exit code {child.exitcode}) before the index "
                        "was written"
                    ) from None
                continue
            if error is not None:
                raise error
            break
    finally:
        halt.set()
        if child.pid is not None:
            _join(child, done, progress)
    _report(done, progress)  # what the last documents reported


def _join(child: Any, done: Any, progress: Callable[[int], None] | None) -> None:
    """Wait for the child to end (it flushes its queues first), then end it if it hangs."""
    deadline = time.monotonic() + JOIN_SECONDS
    while child.is_alive() and time.monotonic() < deadline:
        _report(done, progress)  # a full pipe would keep the child from ending
        child.join(POLL_SECONDS)
    if child.is_alive():
        child.terminate()
        child.join()


def _report(done: Any, progress: Callable[[int], None] | None) -> None:
    """Pass on how many documents the child wrote since the last report."""
    count = 0
    while True:
        try:
            count += done.get_nowait()
        except queue.Empty:
            break
    if count and progress is not None:
        progress(count)
