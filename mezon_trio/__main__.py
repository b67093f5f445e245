"""Command line: ``python -m mezon_trio {demo,sandbox} ...`` (also installed as ``mezon-trio``)."""

from __future__ import annotations

import sys

_USAGE = """\
usage: python -m mezon_trio {demo|sandbox} [options]

commands:
  demo     run a bot against an in-process sandbox with a simulated user
  sandbox  run the local Mezon sandbox server

Each command has its own --help; --version prints the version."""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args else ""
    if command == "demo":
        from ._demo import main as demo_main

        return demo_main(args)
    if command == "sandbox":
        from .testing._cli import main as sandbox_main

        return sandbox_main(args)
    if command in {"help", "-h", "--help"}:
        print(_USAGE)
        return 0
    if command in {"--version", "-V", "version"}:
        from ._version import __version__

        print(f"mezon-trio {__version__}")
        return 0
    if command:
        print(f"python -m mezon_trio: unknown command {command!r} (choose demo or sandbox)", file=sys.stderr)
    print(_USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
