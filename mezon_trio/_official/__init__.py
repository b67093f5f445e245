"""The official SDK's surface over the trio-native core (used by :mod:`mezon_trio.compat`).

* :mod:`.methods` — the ``on_*`` helpers and the other official method names, as functions
  of a core ``MezonClient``; importing it registers them as deprecated names of the core class.
* :mod:`.managers` — the official managers as thin views.
"""
