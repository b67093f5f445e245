"""Static checks of the sandbox's scripting API: mypy --strict must accept this file.

Never run, only type-checked: ``MezonClient(**sb.client_kwargs())`` type-checks against the
client's keyword parameters, and the scripting methods return the project's own types.  The
cases that must fail are in ``test_type_errors.py``.
"""

from __future__ import annotations

from typing import assert_type

import httpx

from mezon_trio import MezonClient
from mezon_trio._session import Session
from mezon_trio.events import ButtonClicked, DropdownSelected, Notification
from mezon_trio.models import Mention, MessageRef, Reaction, SendAck
from mezon_trio.testing import ClientKwargs, CreatedPoll, FakeChain, Sandbox, StoredMessage


async def scripting(sb: Sandbox) -> None:
    kwargs = sb.client_kwargs()
    assert_type(kwargs, ClientKwargs)
    assert_type(kwargs["port"], int)
    assert_type(kwargs.get("http_transport"), httpx.AsyncBaseTransport | None)
    async with MezonClient(**sb.client_kwargs()) as client:
        assert_type(client, MezonClient)
    async with MezonClient(**sb.client_kwargs(), heartbeat_timeout=30.0) as client:
        assert_type(client, MezonClient)

    posted = await sb.post_message(
        sb.human.id,
        sb.channel_id,
        {"t": "hi @bot", "mk": [{"type": "b", "s": 0, "e": 2}]},
        mentions=[sb.bot.id, Mention(user_id=sb.bot.id, username="bot", s=3, e=7)],
        references=[MessageRef(message_ref_id=1)],
    )
    assert_type(posted, StoredMessage)
    assert_type(posted.message_id, int)
    assert_type(posted.mentions, tuple[Mention, ...])
    assert_type(sb.messages(sb.channel_id), list[StoredMessage])
    assert_type(sb.find_message(posted.message_id), StoredMessage | None)
    assert_type(await sb.edit_message(sb.human.id, posted.message_id, "edited"), SendAck)
    assert_type(await sb.delete_message(sb.human.id, posted.message_id), SendAck)
    assert_type(await sb.react(sb.human.id, posted.message_id, "👍"), Reaction)
    assert_type(await sb.click_button(sb.human.id, posted.message_id, "ok"), ButtonClicked)
    assert_type(await sb.select_values(sb.human.id, posted.message_id, "s", ["a"]), DropdownSelected)
    assert_type(await sb.submit_form(sb.human.id, posted.message_id, "go", {"name": "x"}), ButtonClicked)
    assert_type(await sb.create_poll(sb.human.id, sb.channel_id, "?", ["a", "b"]), CreatedPoll)
    assert_type(sb.issue_session(sb.human.id), Session)
    assert_type(await sb.refresh_session(sb.bot.id), Session)
    assert_type(sb.chain, FakeChain | None)
    await sb.send_notification(sb.bot.id, Notification(id=1, code=-2, subject="friend request"))
