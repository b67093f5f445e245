"""Friendly value models behind :mod:`mezon_trio.models` (official-SDK names)."""
