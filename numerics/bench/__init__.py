"""Benchmarks: scripts that print throughput and ratios against a reference
(``python -m numerics.bench.simulator``, ``numerics.bench.channels``, ``numerics.bench.flow``)."""
