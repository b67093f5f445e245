"""Transport layer: the only client code that imports ``wsproto`` (websocket.py) or ``httpx`` (rest.py).

``seam.py`` is the frame-transport seam the gateway talks to (``FrameTransport``,
``FrameConnect``); ``websocket.py`` its default implementation (wsproto over a trio
stream, public API only); ``gateway.py`` the Mezon socket on top of it.  The client
never imports ``trio_websocket`` (the sandbox server in ``mezon_trio.testing`` does).

Library exceptions are translated to :mod:`mezon_trio.errors` here, always with
``from``, so an upgrade of either library touches this folder only.
"""
