"""Write a new index on every core: each worker process analyses and writes one segment.

Analysing the text (jieba, OpenCC) and writing its postings (Whoosh, pure Python) each take
about half of an index build. Each worker takes a fixed, contiguous share of the articles and
writes it as a segment of its own; the parent lists the segments, in the articles' order, in the
index's table of contents, so the documents are numbered as one process would number them.

Whoosh's own multiprocessing writer works the same way underneath (its segment calls are the
ones used here), but it forks (``kb serve --watch`` builds from a thread, and forking a threaded
process is unsafe) and hands documents out in batches, so a segment's content depends on timing.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import time
from collections.abc import Callable
from pathlib import Path
from threading import Event
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from generator.errors import BuildError
from generator.knowledge import Article
from kbcore.analysis import TextAnalysis

__all__ = ["IndexingStopped", "write_segments"]

# Each worker's posting buffer: past it, Whoosh sorts the postings through files on disk,
# pickling every one of them (a third of the writing time on the TiDB import).
WORKER_BUFFER_MB = 512
POLL_SECONDS = 0.1
JOIN_SECONDS = 5.0

Document = Callable[[Article, TextAnalysis], dict[str, Any]]


class IndexingStopped(Exception):
    """The build that asked for the index stopped it (its other half failed)."""


def _write_share(
    folder: str,
    share: int,
    articles: list[Article],
    document: Document,
    parent: int,
    stop: Any,
    done: Any,
    results: Any,
) -> None:
    """In a worker: write ``articles`` as a new segment of the index in ``folder``.

    Puts ``(share, segment, None)`` or ``(share, None, error)`` on ``results`` and one item on
    ``done`` per document. Stops when ``stop`` is set or the parent is gone (killed builds).
    """
    try:
        index = whoosh_index.open_dir(folder)
        analysis = index.schema["body"].analyzer.analysis
        writer = SegmentWriter(index, _lk=False, limitmb=WORKER_BUFFER_MB, compound=False)
        try:
            for article in articles:
                if stop.is_set() or os.getppid() != parent:
                    raise IndexingStopped(f"{folder}: stopped")
                writer.add_document(**document(article, analysis))
                done.put(1)
            segment = writer._finalize_segment()
        except BaseException:
            writer._close_segment()  # its own files only: the other workers share the folder
            raise
    except Exception as exc:  # the parent raises it, naming the file where there is one
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001  (anything unpicklable is sent as its message)
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        results.put((share, None, exc))
        return
    results.put((share, segment, None))


def _shares(articles: list[Article], workers: int) -> list[list[Article]]:
    """``articles`` cut into ``workers`` contiguous shares of (nearly) equal length."""
    size, extra = divmod(len(articles), workers)
    cuts = [0]
    for share in range(workers):
        cuts.append(cuts[-1] + size + (share < extra))
    return [articles[start:end] for start, end in zip(cuts, cuts[1:], strict=False) if end > start]


def write_segments(
    folder: Path,
    articles: list[Article],
    document: Document,
    *,
    workers: int,
    progress: Callable[[int], None] | None,
    stop: Event,
) -> None:
    """Index ``articles`` into the empty index in ``folder``, one segment per worker.

    ``document`` (a module-level function: it is sent to the workers) makes a document's fields;
    ``progress`` is called as documents are written. Raises :class:`IndexingStopped` once
    ``stop`` is set, and what a worker raised if one failed. The caller removes the folder
    on failure.
    """
    context = multiprocessing.get_context("spawn")
    halt, done, results = context.Event(), context.Queue(), context.Queue()
    shares = _shares(articles, workers)
    processes = [
        context.Process(
            target=_write_share,
            args=(str(folder), n, share, document, os.getpid(), halt, done, results),
            name=f"kb-index-{n}",
        )
        for n, share in enumerate(shares)
    ]
    segments: dict[int, Any] = {}
    try:
        for process in processes:
            process.start()
        while len(segments) < len(processes):
            try:
                share, segment, error = results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                _report(done, progress)
                if stop.is_set():
                    raise IndexingStopped(f"{folder}: stopped") from None
                # A worker that ends normally has put its result first: only others are lost.
                for process in processes:
                    if process.exitcode not in (None, 0):
                        raise BuildError(
                            f"{folder}: index worker {process.name} ended (exit code "
                            f"{process.exitcode}) without writing its segment"
                        ) from None
                continue
            if error is not None:
                raise error
            segments[share] = segment
    finally:
        halt.set()
        _join([p for p in processes if p.pid is not None], done, progress)
    _report(done, progress)  # what the last documents reported
    index = whoosh_index.open_dir(str(folder))
    writer = index.writer(compound=False)
    writer._close_segment()  # its own segment stays empty: the workers' are the index
    writer._commit_toc([segments[n] for n in range(len(shares))])
    writer._finish()


def _join(processes: list[Any], done: Any, progress: Callable[[int], None] | None) -> None:
    """Wait for the workers to end (they flush their queues first), then end those that hang."""
    deadline = time.monotonic() + JOIN_SECONDS
    for process in processes:
        while process.is_alive() and time.monotonic() < deadline:
            _report(done, progress)  # a full pipe would keep a worker from ending
            process.join(POLL_SECONDS)
        if process.is_alive():
            process.terminate()
            process.join()


def _report(done: Any, progress: Callable[[int], None] | None) -> None:
    """Pass on how many documents the workers wrote since the last report."""
    count = 0
    while True:
        try:
            count += done.get_nowait()
        except queue.Empty:
            break
    if count and progress is not None:
        progress(count)
