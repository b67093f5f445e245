"""The services of a client: one object per area, each with explicit dependencies.

* :mod:`.directory` — the caches of clans, channels and users, DM channels.
* :mod:`.messaging` — send, edit, delete, react, ephemeral messages, typing, pins, history.
* :mod:`.friends` — the friend list.
* :mod:`.tokens` — token transfers (MMN + ZK).
* :mod:`.quickmenu` — quick-menu entries.
* :mod:`.uploads`, :mod:`.polls`, :mod:`.media`, :mod:`.agent_events` — file uploads, polls,
  voice media and AI-agent events.
* :mod:`.context` — :class:`~.context.Services`, the bundle entities and routers act through.
* :mod:`.assembly` — building every piece of a client from its settings.

Services depend on :class:`~mezon_trio._connection.core.ConnectionCore` (the low-level
calls) or an :class:`~.base.RpcCaller`, and on each other only through constructor
arguments; none holds the client.
"""
