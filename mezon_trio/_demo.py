"""Placeholder for the demo bot (replaced by the bot API issue)."""

from __future__ import annotations


def main(argv: list[str]) -> int:
    print("mezon-trio demo: not built yet (the bot API issue replaces this placeholder)")
    return 0
