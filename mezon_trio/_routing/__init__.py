"""Private implementation of :mod:`mezon_trio.bot` (commands, components, filters, runners)."""
