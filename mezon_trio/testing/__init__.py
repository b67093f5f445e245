"""``mezon_trio.testing``: a protocol-faithful local Mezon server for tests, demos
and offline bot development.

::

    async with open_sandbox() as sb:
        client = MezonClient(**sb.client_kwargs())
        ...
        await sb.post_message(sb.human.id, sb.channel_id, "hello bot")

Real loopback sockets by default (hypercorn trio worker for HTTP,
trio-websocket for the socket); ``open_sandbox(in_memory=True)`` runs the same
server code over memory streams for ``autojump_clock`` tests. Standalone:
``python -m mezon_trio sandbox --port 7350``.

The HTTP port also serves a web console (``sb.console_url``: chat with the bot as
any user) and a JSON control API (``sb.control_url``, docs/sandbox-control-api.md)
for tests in other processes; both go through the scripting methods of
:class:`Sandbox`.

The scripting methods take and return the project's own types: the value models of
:mod:`mezon_trio.models`, the events of :mod:`mezon_trio.events` (a click returns the
:class:`~mezon_trio.events.ButtonClicked` the bot receives) and the records defined here
(:class:`StoredMessage`, :class:`CreatedPoll`, :class:`ClientKwargs`); sessions are the client's
own ``Session``. Wire-level scripting (push
an arbitrary ``Envelope``, the stored generated message) is in :mod:`mezon_trio.testing.raw`.
"""

from ._chain import FakeChain as FakeChain
from ._core import OpError as OpError
from ._faults import Faults as Faults
from ._open import open_sandbox as open_sandbox
from ._recorder import Received as Received
from ._records import ClientKwargs as ClientKwargs
from ._records import CreatedPoll as CreatedPoll
from ._records import StoredMessage as StoredMessage
from ._server import Sandbox as Sandbox
from ._server import SandboxInternalError as SandboxInternalError
from ._state import SandboxState as SandboxState
from ._state import SeedUser as SeedUser

__all__ = [
    "ClientKwargs",
    "CreatedPoll",
    "FakeChain",
    "Faults",
    "OpError",
    "Received",
    "Sandbox",
    "SandboxInternalError",
    "SandboxState",
    "SeedUser",
    "StoredMessage",
    "open_sandbox",
]
