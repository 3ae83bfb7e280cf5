"""Benchmarks of the Carbon Tracker integration (run with scripts/bench)."""
