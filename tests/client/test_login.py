"""Login to ready against the sandbox over real loopback sockets; misuse and bad credentials."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from mezon_trio import Events, MezonClient
from mezon_trio.compat import MezonClient as CompatClient
from mezon_trio.errors import AuthenticationError, ConfigurationError
from mezon_trio.events import Connected, Ready
from mezon_trio.testing import OpError, Received, open_sandbox

from ._helpers import client_kwargs, client_tasks, wait_no_connections


def _kinds(sb: object, kind: str) -> list[Received]:
    return [r for r in sb.received if r.kind == kind]  # type: ignore[attr-defined]


async def test_login_to_ready() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            events = client.subscribe(Events.CONNECTED, Events.READY)
            async with client:
                assert client.is_ready
                assert client.client_id == sb.bot.id
                assert client.user_id == sb.bot.id
                assert set(client.clan_ids) == set(sb.clan_ids)
                assert client.dm_channels[sb.human.id] == sb.dm_channel_id
                assert sb.connection_count(sb.bot.id) == 1
                # §4.4: one ListClanDescs, clan_join for every clan plus clan 0, DMs listed with type 3.
                assert len(_kinds(sb, "authenticate")) == 1
                assert len(_kinds(sb, "ListClanDescs")) == 1
                joined = sorted(r.payload.clan_id for r in _kinds(sb, "clan_join"))
                assert joined == sorted([0, *sb.clan_ids])
                (dm_list,) = _kinds(sb, "ListChannelDescs")
                assert dm_list.payload.channel_type == 3
                # cids are 1..n, each used once.
                cids = [r.cid for r in sb.received if r.transport == "ws" and r.cid]
                assert len(cids) == len(set(cids))
                assert min(cids) == 1
                kinds = []
                async for ev in events:
                    kinds.append(ev.kind)
                    if ev.kind == Events.READY:
                        assert isinstance(ev.payload, Ready)
                        assert ev.payload.user_id == sb.bot.id
                        assert set(ev.payload.clan_ids) == set(sb.clan_ids)
                        break
                    assert isinstance(ev.payload, Connected)
                assert kinds == [Events.CONNECTED, Events.READY]
            assert client_tasks() == []
            await wait_no_connections(sb)
            assert client.statistics().state == "closed"


async def test_bare_ws_url_and_login_header_shape() -> None:
    # §2.4 rule 2: a bare host:port takes its scheme from api_url (http -> ws).
    with trio.fail_after(20):
        async with open_sandbox(bare_ws_url=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            assert client.is_ready
            assert not client.session.ws_url.startswith("ws")


async def test_bad_api_key_fails_fast_with_one_auth_request() -> None:
    with trio.fail_after(10):
        async with open_sandbox() as sb:
            kwargs = client_kwargs(sb, api_key="wrong-key")
            start = trio.current_time()
            with pytest.raises(AuthenticationError) as info:
                async with MezonClient(**kwargs):
                    pytest.fail("entered with a bad key")  # pragma: no cover
            assert trio.current_time() - start < 2.0
            assert info.value.status == 401
            assert "wrong-key" not in str(info.value)
            assert len(_kinds(sb, "authenticate")) == 1
            assert _kinds(sb, "connect") == []
            assert client_tasks() == []


async def test_double_entry_and_use_outside_the_scope() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            with pytest.raises(ConfigurationError, match="async with MezonClient"):
                await client.login()
            with pytest.raises(ConfigurationError, match="async with MezonClient"):
                await client.close_socket()
            async with client:
                with pytest.raises(ConfigurationError, match="already started"):
                    async with client:
                        pass  # pragma: no cover
                assert client.is_ready  # the failed second entry did not disturb the first
            with pytest.raises(ConfigurationError, match="closed"):
                await client.login()
            with pytest.raises(ConfigurationError, match="already started"):
                async with client:
                    pass  # pragma: no cover


def test_constructor_matches_the_official_sdk() -> None:
    client = MezonClient("1840000000000000001", "secret-key")
    assert client.client_id == 1840000000000000001
    assert client.config.login_url == "https://gw.mezon.ai:443"
    assert client.config.timeout_ms == 7000
    assert client.config.mmn_api_url == "https://dong.mezon.ai/mmn-api/"
    assert "secret-key" not in repr(client)
    assert "secret-key" not in repr(client.config)
    official = CompatClient("1840000000000000001", "secret-key")  # the official property names
    assert (official.login_url, official.timeout_ms, official.use_ssl) == (
        "https://gw.mezon.ai:443",
        7000,
        True,
    )
    with pytest.warns(DeprecationWarning, match=r"client\.config\.timeout_ms"):
        assert client.timeout_ms == 7000  # type: ignore[attr-defined]  # kept for one release
    with pytest.raises(ConfigurationError):
        MezonClient("not-a-number", "k")
    with pytest.raises(ConfigurationError):
        MezonClient(1, "")
    with pytest.raises(ConfigurationError):
        MezonClient(1, "k", timeout=0)


async def test_failing_clan_join_does_not_fail_login_and_is_retried(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(600):
        async with open_sandbox(in_memory=True) as sb:
            sb.faults.fail_ops["clan_join"] = OpError.for_code(0, "try later")
            async with MezonClient(**client_kwargs(sb)) as client:
                assert client.is_ready
                failed = len(_kinds(sb, "clan_join"))
                assert failed == len(sb.clan_ids) + 1
                assert client.raw.joined_clans == frozenset()
                sb.faults.fail_ops.clear()
                await trio.sleep(60)
                # Each clan was retried in the background until it succeeded.
                assert client.raw.joined_clans == {0, *sb.clan_ids}
                assert len(_kinds(sb, "clan_join")) == 2 * failed
                assert not [t for t in client_tasks() if t.name.startswith("mezon-clan-join-retry")]
