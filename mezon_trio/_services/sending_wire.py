"""Building the socket messages of sends, and reading the server's refusals (docs/protocol.md §5.3-§5.7).

Pure functions, no I/O: the ``ChannelMessageSend`` of a send or an ephemeral send, the typed
error for a socket ``rt.Error`` reply, and the "must join the channel first" test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from .._content.message import Content
from .._models.proto import attachment_protos, mention_protos, ref_protos
from .._proto.mezon import realtime as rt
from ..errors import APIError, Forbidden, NotFound

__all__ = ["MsgContent", "message_send", "must_join", "refine_api_error", "to_content"]

_MUST_JOIN: Final = "must join"
_BAD_INPUT: Final = 3
_NOT_FOUND_MARKERS: Final = ("not found", "does not exist", "unknown channel", "unknown message")
_FORBIDDEN_MARKERS: Final = (
    "must join",
    "no access",
    "not a member",
    "permission",
    "not allowed",
    "only the author",
)

MsgContent = str | Mapping[str, object] | Content


def to_content(msg: MsgContent) -> Content:
    """Coerce what users pass as a message and enforce the 4000-unit limit (§10.2).

    Raises:
        ContentError: unsupported type, invalid mapping, or too long.
    """
    content = Content.coerce(msg)
    content.check_length()
    return content


def message_send(
    clan_id: int,
    channel_id: int,
    mode: int,
    is_public: bool,
    msg: MsgContent,
    mentions: Iterable[object] | None,
    attachments: Iterable[object] | None,
    ref: object,
    *,
    anonymous_message: bool,
    mention_everyone: bool,
    avatar: str,
    code: int,
    topic_id: int,
    message_id: int = 0,
) -> rt.ChannelMessageSend:
    """The ``ChannelMessageSend`` of a send or an ephemeral send (§5.3, §5.7), every field passed through.

    Raises:
        ContentError: invalid content, mentions, attachments or references; too long.
    """
    content = to_content(msg)
    return rt.ChannelMessageSend(
        clan_id=clan_id,
        channel_id=channel_id,
        content=content.to_json(),
        mentions=mention_protos(content.mentions if mentions is None else mentions),
        attachments=attachment_protos(attachments),
        references=ref_protos(ref),
        mode=int(mode),
        anonymous_message=bool(anonymous_message),
        mention_everyone=bool(mention_everyone),
        avatar=avatar or "",
        is_public=bool(is_public),
        code=int(code),
        topic_id=topic_id or 0,
        id=message_id or 0,
    )


def refine_api_error(exc: APIError) -> APIError:
    """The typed error for a socket ``rt.Error`` reply, which carries no status (§3.3, §12 Q5).

    A plain :class:`APIError` whose text says "not found" becomes :class:`NotFound`,
    one about joining, access or permission becomes :class:`Forbidden`; others are
    returned unchanged.
    """
    if type(exc) is not APIError:
        return exc
    text = exc.message.lower()
    kwargs: dict[str, Any] = {
        "status": exc.status,
        "code": exc.code,
        "operation": exc.operation,
        "context": exc.context,
    }
    if any(marker in text for marker in _NOT_FOUND_MARKERS):
        refined: APIError = NotFound(exc.message, **kwargs)
    elif any(marker in text for marker in _FORBIDDEN_MARKERS):
        refined = Forbidden(exc.message, **kwargs)
    else:
        return exc
    refined.__cause__ = exc
    return refined


def must_join(exc: APIError) -> bool:
    """The server asks the client to join the channel first (code 3 and/or the TS message)."""
    text = exc.message.lower().strip()
    # An empty rt.Error message reaches us as "error code N" (gateway.api_error_from_rt).
    return _MUST_JOIN in text or (exc.code == _BAD_INPUT and text in ("", f"error code {_BAD_INPUT}"))
