"""Developer tasks. Each session installs what it needs into its own venv.

nox -s tests                 # the test suite (what CI runs)
nox -s lint typecheck        # ruff; mypy --strict and the layer contract (lint-imports)
nox -s codegen               # regenerate mezon_trio/_proto from proto/
nox -s codegen -- --check    # fail if the committed bindings are stale
nox -s bench                 # benchmarks against the sandbox and the official SDK
nox -s bench -- --quick      # the same in seconds (tiny sizes; what tests/test_bench_smoke.py runs)
nox -s stress                # long fault-injection and fuzzing runs
nox -s docs                  # build the documentation site into site/ (mkdocs --strict)
nox -s docs -- serve         # the same, served with live reload on http://127.0.0.1:8000
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite against the sandbox (long stress variants excluded)."""
    session.install("-e", ".[testing]")
    session.run("pytest", "-m", "not slow", *session.posargs)


@nox.session
def stress(session: nox.Session) -> None:
    """Long fault-injection and fuzzing runs (100 disconnects, 100k fuzz cases)."""
    session.install("-e", ".[testing]")
    session.run("pytest", "-m", "slow", "-p", "no:cacheprovider", *session.posargs, env={"MEZON_STRESS": "1"})


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/ with ``mkdocs build --strict`` (a broken link fails),
    then open it in headless Chromium: navigation and search must work (docs/_build/check_site.py).

    ``nox -s docs -- serve`` serves it with live reload instead.
    """
    session.install("-e", ".[docs]")
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:])
    else:
        session.run("mkdocs", "build", "--strict", *session.posargs)
        session.run("python", "docs/_build/check_site.py")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check (generated code excluded)."""
    session.install("ruff==0.17.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on mezon_trio (generated code excluded), the type tests, and the layer contract.

    tests/type_tests/check_*.py pin inferred types with ``assert_type``; the cases that must fail
    to type-check run as pytest tests (tests/type_tests/test_type_errors.py).  import-linter
    checks the layers (pyproject.toml).
    """
    session.install("-e", ".[dev]")
    session.run("mypy")
    session.run("mypy", "tests/type_tests")
    session.run("lint-imports")


@nox.session
def codegen(session: nox.Session) -> None:
    """Regenerate mezon_trio/_proto from proto/; pass `-- --check` to verify freshness instead."""
    session.install(".[codegen]")
    session.run("python", "codegen/generate.py", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: mezon-trio vs the official SDK vs the transport ceiling (table + bench/results/*.json).

    Pass options after ``--``: ``--quick``, ``--scenarios inbound,send``, ``--reps N``, ``--no-official``.
    """
    session.install("-e", ".[testing]")
    session.run("python", "-m", "bench", *session.posargs)
