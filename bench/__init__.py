"""Benchmarks, run by hand (`make bench`); they print their figures and are never timed tests."""
