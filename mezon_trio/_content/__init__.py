"""Private implementation of :mod:`mezon_trio.content` (import from there)."""
