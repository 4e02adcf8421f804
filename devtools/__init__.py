"""Tools for maintainers, shared by the tests and the benchmark: never imported by the lessons."""
