"""What the sandbox received, for assertions: :class:`Received` and the recorder."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import trio

from .._content.wire import JSONObject

__all__ = ["Received", "Recorder"]


@dataclass(frozen=True, slots=True)
class Received:
    """One thing a client sent to the sandbox.

    Attributes:
        user_id: the authenticated user (0 when unknown, e.g. a failed login).
        transport: ``"ws"`` for socket frames, ``"http"`` for HTTP requests.
        kind: the Envelope variant name (``"channel_message_send"``), the RPC
            method (``"ListClanDescs"``; also recorded, with transport ``"ws"``,
            for calls made through the ``api_request_event`` bridge), or for
            other HTTP endpoints a short name (``"authenticate"``, ``"mmn"``,
            ``"zk_prove"``, ``"friend_gateway"``) and for socket lifecycle
            ``"connect"`` / ``"garbage"`` / ``"text"``.
        cid: the request's cid (0 for HTTP and pushes).
        payload: what was received, decoded: the wire message (a generated class: read it
            through :func:`mezon_trio.testing.raw.payload`, or use :attr:`content`), a JSON
            value, or the raw bytes when nothing decoded. Secrets (API keys) are redacted.
        time: ``trio.current_time()`` when it was received.
    """

    user_id: int
    transport: Literal["ws", "http"]
    kind: str
    cid: int
    payload: object
    time: float

    @property
    def content(self) -> JSONObject | None:
        """The content JSON of a message sent or edited (``channel_message_send``,
        ``channel_message_update``, ``UpdateChannelMessage``...), decoded; None when the payload
        has no content JSON object."""
        text = getattr(self.payload, "content", None)
        if not isinstance(text, str):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    @property
    def text(self) -> str:
        """The text (``t``) of the :attr:`content` JSON; ``""`` when there is none."""
        content = self.content
        value = content.get("t", "") if content is not None else ""
        return value if isinstance(value, str) else ""


class Recorder:
    """Append-only log with a condition to wait on."""

    def __init__(self, *, listener: Callable[[Received], None] | None = None) -> None:
        self.items: list[Received] = []
        self.listener = listener
        self.enabled = True
        self._changed = trio.Event()

    def add(self, user_id: int, transport: Literal["ws", "http"], kind: str, cid: int, payload: Any) -> None:
        if not self.enabled:
            return
        item = Received(user_id, transport, kind, cid, payload, trio.current_time())
        self.items.append(item)
        if self.listener is not None:
            self.listener(item)
        self._changed.set()
        self._changed = trio.Event()

    async def wait_for(self, pred: Callable[[Received], bool], *, count: int = 1) -> list[Received]:
        """Wait until *count* recorded items satisfy *pred*; return the first *count*.

        Items recorded before the call count too. Cancellation leaves nothing
        behind; wrap in ``trio.fail_after`` to bound the wait.
        """
        found: list[Received] = []
        pos = 0
        while True:
            items = self.items
            if pos > len(items):  # the list was cleared meanwhile: start over
                pos = 0
                found.clear()
            while pos < len(items):
                item = items[pos]
                pos += 1
                if pred(item):
                    found.append(item)
                    if len(found) >= count:
                        return found
            await self._changed.wait()
