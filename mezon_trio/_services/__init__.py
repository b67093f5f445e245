"""The services of a client: one object per area, each with explicit dependencies.

* :mod:`.directory` — the caches of clans, channels and users, DM channels.
* :mod:`.messaging` — send, edit, delete, react, ephemeral messages, typing, pins, history.
* :mod:`.friends` — the friend list.
* :mod:`.tokens` — token transfers (MMN + ZK).
* :mod:`.quickmenu` — quick-menu entries.
* :mod:`.context` — :class:`~.context.Services`, the bundle entities and routers act through.

Services depend on :class:`~mezon_trio._connection.core.ConnectionCore` (the low-level
calls) and on each other only through constructor arguments; none holds the client.
"""
