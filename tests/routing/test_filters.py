"""Filters: actors of each event kind, allow-lists, mention, composition with & | ~."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.bot import (
    Filter,
    actor_id,
    from_users,
    ignore_self,
    in_channels,
    in_clans,
    is_dm,
    mentions_bot,
)

from ._msgs import ALICE, BOT, CHANNEL, CLAN, msg


def test_actor_of_each_event_kind() -> None:
    assert actor_id(msg("hi")) == ALICE
    click = rt.MessageButtonClicked(sender_id=BOT, user_id=ALICE, channel_id=CHANNEL)
    assert actor_id(click) == ALICE  # the clicking user, not the message author
    assert actor_id(rt.DropdownBoxSelected(sender_id=BOT, user_id=7)) == 7
    assert actor_id(api.TokenSentEvent(sender_id=5, receiver_id=BOT)) == 5
    assert actor_id(object()) is None


def test_ignore_self_reads_the_id_lazily() -> None:
    client = SimpleNamespace(user_id=0)
    f = ignore_self(client)
    mine = msg("x", sender=BOT)
    assert f(mine)  # not logged in yet: unknown id
    client.user_id = BOT
    assert not f(mine)
    assert f(msg("x"))
    assert not ignore_self(BOT)(rt.MessageButtonClicked(user_id=BOT))


def test_allow_lists() -> None:
    m = msg("x")
    assert from_users(ALICE, 3)(m)
    assert not from_users(3)(m)
    assert in_channels(CHANNEL)(m)
    assert not in_channels(1)(m)
    assert in_clans(CLAN)(m)
    assert not in_clans(1)(m)
    click = rt.MessageButtonClicked(channel_id=CHANNEL, user_id=ALICE)
    assert in_channels(CHANNEL)(click)
    assert from_users(ALICE)(click)
    assert not in_clans(CLAN)(click)  # clicks carry no clan id


def test_is_dm_and_mentions_bot() -> None:
    assert is_dm()(msg("x", clan=0, mode=4))
    assert not is_dm()(msg("x"))
    assert mentions_bot(BOT)(msg("hello", mention_bot_first=True))
    other = api.MessageMention(user_id=ALICE, username="alice", s=0, e=6)
    assert not mentions_bot(BOT)(msg("@alice hi", mentions=[other]))
    assert not mentions_bot(BOT)(rt.MessageButtonClicked())


def test_composition() -> None:
    a = from_users(ALICE)
    c = in_channels(1)
    m = msg("x")
    assert (a | c)(m)
    assert not (a & c)(m)
    assert (a & ~c)(m)
    assert not (~a)(m)
    assert (a & (lambda ev: ev.text == "x"))(m)
    assert ((lambda ev: False) | a)(m)
    assert "from_users" in repr(a & c)
    assert "~" in repr(~c)
    with pytest.raises(TypeError):
        Filter(42)  # type: ignore[arg-type]
