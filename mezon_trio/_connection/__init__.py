"""The connection layer: the state every service shares, the low-level calls, and reconnects.

* :mod:`.core` — :class:`ConnectionCore`: the REST client, the session, the socket gateway and
  the event hub of one client, its lifecycle state, and the three low-level calls (socket
  request, RPC over HTTP, RPC over the socket bridge).
* :mod:`.supervisor` — connect, run, reconnect, and the after-connect join sequence.
"""
