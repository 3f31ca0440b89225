"""Benchmarks with synthetic data: they print figures, they do not pass or fail."""
