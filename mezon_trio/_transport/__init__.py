"""Transport layer: the only code that imports ``trio_websocket`` (gateway.py) or ``httpx`` (rest.py).

Library exceptions are translated to :mod:`mezon_trio.errors` here, always with
``from``, so an upgrade of either library touches this folder only.
"""
