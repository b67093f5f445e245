"""client.send_token over the sandbox's MMN chain + ZK prover: lazy wiring, receipts, typed errors."""

from __future__ import annotations

import logging
from decimal import Decimal
from functools import partial

import pytest
import trio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mezon_trio import MezonClient
from mezon_trio._client import services_of  # white-box: the token service inside
from mezon_trio._protocol import mmn
from mezon_trio.errors import ConfigurationError, TokenTransferError
from mezon_trio.models import TransferResult, TypeMessage
from mezon_trio.testing import open_sandbox

from ._helpers import bot, client_kwargs, human, next_push, received


def _tokens(sb: object, user_id: int) -> Decimal:
    return sb.chain.tokens_of(user_id)  # type: ignore[attr-defined,no-any-return]


async def test_send_token_moves_balance_and_sends_a_receipt() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), human(sb) as alice:
            assert not [r for r in sb.received if r.kind in ("zk_prove", "mmn")]  # login never touched them
            bot_before, alice_before = _tokens(sb, sb.bot.id), _tokens(sb, sb.human.id)
            result = await client.send_token(sb.human.id, 5, "tip")
            assert isinstance(result, TransferResult)
            assert result.ok
            assert len(result.tx_hash) == 64
            assert _tokens(sb, sb.bot.id) == bot_before - 5
            assert _tokens(sb, sb.human.id) == alice_before + 5
            (transfer,) = sb.chain.transfers
            assert transfer.tx.amount == "5000000"
            assert transfer.tx.text_data == "tip"
            # The §8.11 receipt, in the existing DM, code 11.
            receipt = await next_push(alice, "channel_message", lambda m: m.channel_id == sb.dm_channel_id)
            assert receipt.code == TypeMessage.SEND_TOKEN
            assert receipt.content == '{"t":"Funds Transferred: 5₫ | tip"}'
            # The proof is fetched once and reused; extra fields reach extra_info.
            await client.send_token(
                sb.human.id,
                Decimal("0.5"),
                sender_name="bot",
                extra_attribute="x",
                extra_info={"ChannelId": 7},
                receipt=False,
            )
            assert len([r for r in sb.received if r.kind == "zk_prove"]) == 1
            last = sb.chain.transfers[-1].tx
            assert last.amount == "500000"
            assert '"UserSenderUsername": "bot"' in last.extra_info
            assert '"ExtraAttribute": "x"' in last.extra_info
            assert '"ChannelId": "7"' in last.extra_info
            assert len([m for m in sb.messages(sb.dm_channel_id) if m.code == 11]) == 1


async def test_token_service_down_does_not_affect_login() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            sb.chain.prover_down = True
            sb.chain.chain_down = True
            async with MezonClient(**client_kwargs(sb)) as client:
                assert client.is_ready
                channel = await client.channels.fetch(sb.channel_id)
                await channel.send("still working")
                with pytest.raises(TokenTransferError) as info:
                    await client.send_token(sb.human.id, 1)
                assert info.value.retriable
                assert "ZK prover" in str(info.value)
                sb.chain.prover_down = False
                with pytest.raises(TokenTransferError) as info:
                    await client.send_token(sb.human.id, 1)
                assert info.value.retriable
                assert "MMN" in str(info.value)
                sb.chain.chain_down = False
                assert (await client.send_token(sb.human.id, 1, receipt=False)).ok


async def test_insufficient_balance_and_bad_amounts() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            balance = _tokens(sb, sb.bot.id)
            with pytest.raises(TokenTransferError, match="insufficient balance"):
                await client.send_token(sb.human.id, int(balance) + 1)
            assert _tokens(sb, sb.bot.id) == balance
            for bad in (0, -1, 1.5, "abc", Decimal("0.0000001")):
                with pytest.raises(ConfigurationError):
                    await client.send_token(sb.human.id, bad)  # type: ignore[arg-type]
            with pytest.raises(ConfigurationError):
                await client.send_token(sb.bot.id, 1)  # to itself
            with pytest.raises(ConfigurationError):
                await client.send_token({"receiver_id": 1, "amount": 1})  # type: ignore[arg-type]
            assert not sb.chain.transfers


class _BadKey(mmn.EphemeralKey):
    """Signs garbage: the chain must refuse the signature."""

    __slots__ = ()

    def sign(self, data: bytes) -> bytes:
        return bytes(64)


async def test_bad_signature_is_a_typed_error_after_one_renewal() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            services_of(client).tokens.key_factory = lambda: _BadKey(Ed25519PrivateKey.generate())
            with pytest.raises(TokenTransferError, match="invalid signature"):
                await client.send_token(sb.human.id, 1)
            assert len([r for r in sb.received if r.kind == "zk_prove"]) == 2  # renewed once, then gave up
            assert not sb.chain.transfers


async def test_expired_proof_is_renewed_transparently() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            await client.send_token(sb.human.id, 1, receipt=False)
            sb.chain.rotate_prover_secret()  # every proof issued so far is refused now
            assert (await client.send_token(sb.human.id, 2, receipt=False)).ok
            assert len([r for r in sb.received if r.kind == "zk_prove"]) == 2
            assert [t.tx.nonce for t in sb.chain.transfers] == [1, 2]


async def test_no_key_material_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with trio.fail_after(20):
        async with bot() as (sb, client):
            await client.send_token(sb.human.id, 3, "secret-free")
            id_token = client.session.id_token
            proofs = [t.tx.zk_proof for t in sb.chain.transfers] + [t.tx.zk_pub for t in sb.chain.transfers]
            service = services_of(client).tokens.service
            assert service is not None
            assert "key" not in repr(service).lower().replace("public_key", "")
    texts = [r.getMessage() for r in caplog.records]
    assert id_token
    assert proofs
    for secret in (id_token, sb.bot.api_key, *proofs):
        assert not any(secret in text for text in texts)
    assert received(sb, "channel_message_send")  # the receipt went out


async def test_a_silent_token_service_times_out_with_a_typed_error() -> None:
    async def hold(stream: trio.SocketStream) -> None:
        async with stream:
            await trio.sleep_forever()

    with trio.fail_after(20):
        async with trio.open_nursery() as nursery:
            listeners = await nursery.start(partial(trio.serve_tcp, hold, 0, host="127.0.0.1"))
            (listener,) = listeners
            port = listener.socket.getsockname()[1]
            silent = f"http://127.0.0.1:{port}/"
            async with open_sandbox() as sb:
                kwargs = client_kwargs(sb, timeout=300, mmn_api_url=silent, zk_api_url=silent)
                async with MezonClient(**kwargs) as client:
                    start = trio.current_time()
                    with pytest.raises(TokenTransferError, match="timed out") as info:
                        await client.send_token(sb.human.id, 1)
                    assert info.value.retriable
                    assert 1.4 < trio.current_time() - start < 5  # 5 x the client's timeout
            nursery.cancel_scope.cancel()
