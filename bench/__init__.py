"""Benchmarks: search relevance on public query sets and search latency (docs/benchmarks.md)."""
