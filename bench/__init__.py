"""Benchmarks: `python -m bench.read_tools` (see docs/benchmarks.md)."""
