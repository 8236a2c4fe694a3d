"""The baselines our engine is compared with, on the same documents (title + body text).

- ``WhooshDefault``: Whoosh as it comes: ``StandardAnalyzer`` on a title and a body field,
  ``MultifieldParser`` over both with its default AND grouping, BM25F scoring.
- ``Bm25Plain``: ``bm25s`` (method ``lucene``, k1 1.5, b 0.75) over ``bm25s.tokenize`` with
  ``stopwords=None``: lowercase, tokens are runs of 2+ word characters (``(?u)\\b\\w\\w+\\b``),
  no stemming; a run of Chinese characters is one token, which is what bm25s does by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import bm25s
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser

from bench.corpus import Doc

__all__ = ["Bm25Plain", "WhooshDefault"]


class WhooshDefault:
    """Whoosh with its default analyzer, parser and scoring, in a folder of its own."""

    name = "whoosh-default"

    def __init__(self, docs: Sequence[Doc], folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        schema = Schema(key=ID(stored=True), title=TEXT(), body=TEXT())
        self.index = whoosh_index.create_in(str(folder), schema)
        writer = self.index.writer()
        for doc in docs:
            writer.add_document(key=doc.corpus_id, title=doc.title, body=doc.body)
        writer.commit()
        self.parser = MultifieldParser(["title", "body"], schema)

    def search(self, text: str, k: int = 10) -> list[str]:
        query = self.parser.parse(text)
        with self.index.searcher() as searcher:
            return [hit["key"] for hit in searcher.search(query, limit=k)]


class Bm25Plain:
    """bm25s with its own tokenizer, stop words off."""

    name = "bm25s-plain"

    def __init__(self, docs: Sequence[Doc]) -> None:
        self.keys = [doc.corpus_id for doc in docs]
        tokens = bm25s.tokenize([doc.text for doc in docs], stopwords=None, show_progress=False)
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)

    def search(self, text: str, k: int = 10) -> list[str]:
        tokens = bm25s.tokenize([text], stopwords=None, return_ids=False, show_progress=False)
        if not tokens[0]:
            return []
        found = self.retriever.retrieve(tokens, k=min(k, len(self.keys)), show_progress=False)
        return [
            self.keys[i]
            for i, score in zip(found.documents[0], found.scores[0], strict=True)
            if score > 0
        ]
