"""Benchmarks for mezon-trio (run with ``nox -s bench`` or ``python -m bench``)."""
