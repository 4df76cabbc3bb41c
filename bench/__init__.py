"""Benchmarks, load and fault runs of releasemgmt (see docs/PERFORMANCE.md); not shipped code."""
