"""Benchmarks of Loss Lab, run by `make bench`; never part of the pass/fail of `make test`."""
