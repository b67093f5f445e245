"""Command line: ``python -m mezon_trio {demo,sandbox} ...``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args else "help"
    if command == "demo":
        from ._demo import main as demo_main

        return demo_main(args)
    if command == "sandbox":
        from .testing._cli import main as sandbox_main

        return sandbox_main(args)
    print("usage: python -m mezon_trio {demo|sandbox} [options]", file=sys.stderr)
    print("  demo     run a bot against an in-process sandbox with a simulated user", file=sys.stderr)
    print("  sandbox  run the local Mezon sandbox server (--help for options)", file=sys.stderr)
    return 0 if command in {"help", "-h", "--help"} else 2


if __name__ == "__main__":
    raise SystemExit(main())
