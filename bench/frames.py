"""The frames every benchmark pushes: realistic Envelope{channel_message} pushes."""

from __future__ import annotations

import json

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt

CLAN_ID = 1840000000000000100
SENDER_ID = 1840000000000000300


def channel_message_frame(i: int, *, channel_id: int = 1840000000000000200, clan_id: int = CLAN_ID) -> bytes:
    """One pushed chat message (~730 bytes, like the figure in PERFORMANCE.md)."""
    mentions = api.MessageMentionList(
        mentions=[api.MessageMention(user_id=1840000000000000001, username="mezon-bot", s=0, e=10)]
    )
    msg = api.ChannelMessage(
        clan_id=clan_id,
        channel_id=channel_id,
        message_id=1850000000000000000 + i,
        code=0,
        sender_id=SENDER_ID,
        username="alice",
        avatar="https://cdn.mezon.example/avatars/alice-0123456789abcdef.png",
        content=json.dumps(
            {"t": f"@mezon-bot message number {i}: the quick brown fox jumps over the lazy dog " * 5},
            separators=(",", ":"),
        ),
        channel_label="general",
        clan_logo="https://cdn.mezon.example/clans/logo-0123456789abcdef.png",
        category_name="Text channels",
        display_name="Alice Example",
        clan_nick="alice-in-clan",
        clan_avatar="https://cdn.mezon.example/clans/avatar-alice.png",
        mentions=bytes(mentions),
        create_time_seconds=1795971673,
        update_time_seconds=1795971673,
        mode=2,
        is_public=True,
    )
    return bytes(rt.Envelope(channel_message=msg))
