"""TokenService end to end against FakeChain served over real loopback HTTP (hypercorn, trio worker)."""

from __future__ import annotations

import base64
import json
import logging
import socket
import traceback
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
import trio
from hypercorn.config import Config
from hypercorn.trio import serve

from mezon_trio._protocol import mmn
from mezon_trio._tokens import AddTxResult, TokenService
from mezon_trio.errors import ConfigurationError, TokenTransferError
from mezon_trio.testing._chain import FakeChain

BOT, ALICE, BOB = 1840000000000000001, 1840000000000000300, 1840000000000000777
ID_TOKEN = "idtok.SECRET-6f1e0c2a9b"


class ChainApp:
    """A tiny ASGI app mounting FakeChain the way the sandbox does, plus test-only faults."""

    def __init__(self, chain: FakeChain) -> None:
        self.chain = chain
        self.prove_bodies: list[dict[str, Any]] = []
        self.rpc_methods: list[str] = []
        self.rotate_after_prove = False
        self.hang_prove = False
        self.prove_override: tuple[int, dict[str, Any]] | None = None
        self.rpc_override: dict[str, dict[str, Any]] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, reply = await self.route(scope["path"], body)
        payload = b"" if reply is None else json.dumps(reply).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def route(self, path: str, body: bytes) -> tuple[int, dict[str, Any] | None]:
        if path in ("/mmn-api", "/mmn-api/"):
            request = json.loads(body)
            self.rpc_methods.append(request["method"])
            if request["method"] in self.rpc_override:
                return 200, {"jsonrpc": "2.0", "id": request["id"], **self.rpc_override[request["method"]]}
            return await self.chain.handle_rpc(body)
        if path == "/zk-api/prove":
            self.prove_bodies.append(json.loads(body))
            if self.hang_prove:
                await trio.sleep_forever()
            if self.prove_override is not None:
                return self.prove_override
            result = await self.chain.handle_prove(body)
            if self.rotate_after_prove:
                self.chain.rotate_prover_secret()
            return result
        return 404, {"error": "not found"}


@dataclass
class Env:
    app: ChainApp
    chain: FakeChain
    events: list[tuple[int, int, int, str, str]]
    url: str
    http: httpx.AsyncClient

    def service(self, *, user_id: int = BOT, mmn_url: str | None = None, **kwargs: Any) -> TokenService:
        return TokenService(
            http=self.http,
            mmn_url=mmn_url or f"{self.url}/mmn-api/",
            zk_url=f"{self.url}/zk-api/",
            user_id=user_id,
            id_token=lambda: ID_TOKEN,
            **kwargs,
        )


@pytest.fixture
async def env(nursery: trio.Nursery) -> AsyncIterator[Env]:
    events: list[tuple[int, int, int, str, str]] = []

    async def on_transfer(sender: int, receiver: int, amount: int, note: str, tx_hash: str) -> None:
        events.append((sender, receiver, amount, note, tx_hash))

    chain = FakeChain(
        id_token_owner={ID_TOKEN: BOT}.get,
        on_transfer=on_transfer,
        balances={BOT: 100},
        known_users=lambda: [BOT, ALICE, BOB],
    )
    app = ChainApp(chain)
    config = Config()
    config.bind = ["127.0.0.1:0"]
    config.accesslog = None
    binds = await nursery.start(serve, app, config)
    async with httpx.AsyncClient(timeout=5) as http:
        yield Env(app, chain, events, binds[0], http)


async def test_two_sequential_transfers(env: Env) -> None:
    with trio.fail_after(10):
        tokens = env.service(username="bot")
        first = await tokens.send_token(ALICE, 5, "thanks")
        second = await tokens.send_token(BOB, Decimal("2.5"), extra={"ChannelId": "42"})
        assert isinstance(first, AddTxResult)
        assert (first.ok, first.error, second.ok) == (True, "", True)
        assert first.tx_hash != second.tx_hash
        assert [t.tx_hash for t in env.chain.transfers] == [first.tx_hash, second.tx_hash]
        assert [t.tx.nonce for t in env.chain.transfers] == [1, 2]
        assert env.chain.balance_of(BOT) == 92_500_000
        assert env.chain.balance_of(ALICE) == 5_000_000
        assert env.chain.balance_of(BOB) == 2_500_000
        assert env.chain.nonce_of(BOT) == 2
        assert env.events == [(BOT, ALICE, 5, "thanks", first.tx_hash), (BOT, BOB, 2, "", second.tx_hash)]
        assert await tokens.fetch_balance() == Decimal("92.5")
        assert await tokens.fetch_balance(BOB) == Decimal("2.5")
        # extra_info as the chain received it
        assert json.loads(env.chain.transfers[0].tx.extra_info) == {
            "type": "transfer_token",
            "UserSenderId": str(BOT),
            "UserSenderUsername": "bot",
            "UserReceiverId": str(ALICE),
        }
        assert json.loads(env.chain.transfers[1].tx.extra_info)["ChannelId"] == "42"
        # one lazy proof, requested as §8.4 says (user_id as a string, client_type mezon)
        assert len(env.app.prove_bodies) == 1
        body = env.app.prove_bodies[0]
        assert body["user_id"] == str(BOT)
        assert body["client_type"] == "mezon"
        assert body["address"] == mmn.address_for(BOT)
        assert body["jwt"] == ID_TOKEN
        assert env.app.rpc_methods == ["account.getcurrentnonce", "tx.addtx"] * 2 + ["account.getaccount"] * 2


async def test_lazy_until_first_transfer(env: Env) -> None:
    with trio.fail_after(10):
        tokens = env.service()
        assert env.app.rpc_methods == []
        assert await tokens.fetch_balance() == 100
        assert env.app.rpc_methods == ["account.getaccount"]
        assert env.app.prove_bodies == []  # no key or proof until a transfer needs one
        assert tokens.address == mmn.address_for(BOT)
        assert "SECRET" not in repr(tokens)


async def test_concurrent_transfers_never_reuse_a_nonce(env: Env) -> None:
    with trio.fail_after(20):
        tokens = env.service()
        results: list[AddTxResult] = []

        async def one(receiver: int) -> None:
            results.append(await tokens.send_token(receiver, 1))

        async with trio.open_nursery() as nursery:
            for i in range(6):
                nursery.start_soon(one, ALICE if i % 2 else BOB)
        assert all(r.ok for r in results)
        assert len({r.tx_hash for r in results}) == 6
        assert sorted(t.tx.nonce for t in env.chain.transfers) == [1, 2, 3, 4, 5, 6]
        assert env.chain.balance_of(BOT) == 94_000_000
        assert env.chain.balance_of(ALICE) + env.chain.balance_of(BOB) == 6_000_000
        assert len(env.app.prove_bodies) == 1


async def test_insufficient_balance(env: Env) -> None:
    with trio.fail_after(10):
        tokens = env.service()
        with pytest.raises(TokenTransferError, match="insufficient balance") as info:
            await tokens.send_token(ALICE, 101)
        assert "have 100 tokens, need 101 tokens" in str(info.value)  # the unit the caller gave
        assert info.value.retriable is False
        assert env.chain.balance_of(BOT) == 100_000_000
        assert env.events == []
        # the refusal consumed no nonce
        assert (await tokens.send_token(ALICE, 100)).ok
        assert env.chain.transfers[-1].tx.nonce == 1


async def test_chain_unreachable_is_retriable(env: Env) -> None:
    with trio.fail_after(10):
        with socket.socket() as sock:  # a port nobody listens on
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        tokens = env.service(mmn_url=f"http://127.0.0.1:{port}/mmn-api/")
        with pytest.raises(TokenTransferError, match="unreachable") as info:
            await tokens.send_token(ALICE, 1)
        assert info.value.retriable is True


@pytest.mark.parametrize(
    ("fault", "match"),
    [("prover_down", "ZK prover: HTTP 503"), ("chain_down", "HTTP 503"), ("rate_limited", "rate limited")],
)
async def test_service_faults_are_retriable(env: Env, fault: str, match: str) -> None:
    with trio.fail_after(10):
        tokens = env.service()
        setattr(env.chain, fault, True)
        with pytest.raises(TokenTransferError, match=match) as info:
            await tokens.send_token(ALICE, 1)
        assert info.value.retriable is True
        setattr(env.chain, fault, False)
        assert (await tokens.send_token(ALICE, 1)).ok


async def test_timeout_is_retriable(env: Env) -> None:
    with trio.fail_after(10):
        env.app.hang_prove = True
        async with httpx.AsyncClient(timeout=0.3) as http:
            tokens = TokenService(
                http=http,
                mmn_url=f"{env.url}/mmn-api",
                zk_url=f"{env.url}/zk-api",
                user_id=BOT,
                id_token=lambda: ID_TOKEN,
            )
            with pytest.raises(TokenTransferError, match="timed out") as info:
                await tokens.send_token(ALICE, 1)
        assert info.value.retriable is True


async def test_expired_proof_is_refreshed_once(env: Env) -> None:
    with trio.fail_after(10):
        tokens = env.service()
        assert (await tokens.send_token(ALICE, 1)).ok
        first_pk = env.app.prove_bodies[0]["ephemeral_pk"]
        env.chain.rotate_prover_secret()  # every issued proof is now refused
        assert (await tokens.send_token(ALICE, 1)).ok
        assert len(env.app.prove_bodies) == 2
        assert env.app.prove_bodies[1]["ephemeral_pk"] != first_pk  # a new key with the new proof
        assert [t.tx.nonce for t in env.chain.transfers] == [1, 2]


async def test_persistent_proof_rejection_fails_after_one_refresh(env: Env) -> None:
    with trio.fail_after(10):
        env.app.rotate_after_prove = True  # every proof is dead on arrival
        tokens = env.service()
        with pytest.raises(TokenTransferError, match="invalid signature") as info:
            await tokens.send_token(ALICE, 1)
        assert info.value.retriable is False
        assert len(env.app.prove_bodies) == 2
        assert env.chain.transfers == type(env.chain.transfers)()


async def test_prover_refuses_jwt(env: Env) -> None:
    with trio.fail_after(10):
        tokens = TokenService(
            http=env.http,
            mmn_url=f"{env.url}/mmn-api",
            zk_url=f"{env.url}/zk-api",
            user_id=BOT,
            id_token=lambda: "not-issued-by-the-sandbox",
        )
        with pytest.raises(TokenTransferError, match="HTTP 400: invalid jwt") as info:
            await tokens.send_token(ALICE, 1)
        assert info.value.retriable is False


async def test_missing_id_token(env: Env) -> None:
    with trio.fail_after(10):
        tokens = TokenService(
            http=env.http,
            mmn_url=f"{env.url}/mmn-api",
            zk_url=f"{env.url}/zk-api",
            user_id=BOT,
            id_token=lambda: "",
        )
        with pytest.raises(TokenTransferError, match="id_token"):
            await tokens.send_token(ALICE, 1)
        assert env.app.prove_bodies == []


@pytest.mark.parametrize(
    "reply", [{"data": {}}, {"data": {"proof": "p"}}, {"proof": "p", "public_input": "q"}]
)
async def test_bad_proof_reply(env: Env, reply: dict[str, Any]) -> None:
    with trio.fail_after(10):
        env.app.prove_override = (200, reply)
        with pytest.raises(TokenTransferError, match="no proof"):
            await env.service().send_token(ALICE, 1)


@pytest.mark.parametrize(
    ("method", "reply", "match"),
    [
        (
            "account.getcurrentnonce",
            {"result": {"address": "a", "nonce": 0, "tag": "x", "error": "invalid tag"}},
            "getcurrentnonce failed: invalid tag",
        ),
        (
            "account.getcurrentnonce",
            {"error": {"code": -32000, "message": "db down"}},
            "JSON-RPC error -32000: db down",
        ),
        ("account.getcurrentnonce", {"result": {"nonce": "7", "error": ""}}, "malformed"),
        ("tx.addtx", {"error": {"code": -32602, "message": "invalid parameters"}}, "JSON-RPC error -32602"),
        ("tx.addtx", {"result": {"ok": "yes"}}, "malformed"),
        (
            "tx.addtx",
            {"result": {"ok": False, "tx_hash": "", "error": "invalid nonce: expected 3, got 1"}},
            "rejected by the MMN chain: invalid nonce",
        ),
        ("tx.addtx", {"result": {"ok": False, "tx_hash": "", "error": ""}}, "no reason given"),
    ],
)
async def test_chain_errors(env: Env, method: str, reply: dict[str, Any], match: str) -> None:
    with trio.fail_after(10):
        env.app.rpc_override[method] = reply
        with pytest.raises(TokenTransferError, match=match) as info:
            await env.service().send_token(ALICE, 1)
        assert info.value.retriable is False


async def test_chain_fail_next_addtx(env: Env) -> None:
    with trio.fail_after(10):
        tokens = env.service()
        env.chain.fail_next_addtx = "wallet rate limit exceeded for today"
        with pytest.raises(TokenTransferError, match="wallet rate limit exceeded"):
            await tokens.send_token(ALICE, 1)
        assert (await tokens.send_token(ALICE, 1)).ok


@pytest.mark.parametrize("amount", [0, -1, Decimal("0.0000001"), 1.5, True])
async def test_bad_arguments(env: Env, amount: Any) -> None:
    with trio.fail_after(10):
        with pytest.raises(ConfigurationError):
            await env.service().send_token(ALICE, amount)
        assert env.app.rpc_methods == []


async def test_cannot_send_to_self(env: Env) -> None:
    with trio.fail_after(10):
        with pytest.raises(ConfigurationError, match="receiver is the sender"):
            await env.service().send_token(BOT, 1)


async def test_no_secrets_in_logs_or_errors(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seeds = [bytes([i]) * 32 for i in range(1, 5)]
    keys = iter(seeds)
    with trio.fail_after(10):
        tokens = env.service(key_factory=lambda: mmn.EphemeralKey.from_seed(next(keys)))
        errors: list[BaseException] = []
        assert (await tokens.send_token(ALICE, 1, "hello")).ok
        env.chain.rotate_prover_secret()
        assert (await tokens.send_token(ALICE, 1)).ok  # refresh path
        for fault in ("insufficient", "rejected-proof", "prover-400", "prover-echo"):
            if fault == "insufficient":
                call = tokens.send_token(ALICE, 10_000)
            elif fault == "rejected-proof":
                env.app.rotate_after_prove = True
                env.chain.rotate_prover_secret()
                call = tokens.send_token(ALICE, 1)
            elif fault == "prover-400":
                env.app.rotate_after_prove = False
                env.app.prove_override = (400, {"error": f"bad token {ID_TOKEN}"})  # a server echoing the jwt
                call = tokens.send_token(ALICE, 1)
            else:
                env.app.rpc_override["tx.addtx"] = {"error": {"code": -1, "message": f"echo {ID_TOKEN}"}}
                env.app.prove_override = None
                call = env.service(key_factory=lambda: mmn.EphemeralKey.from_seed(seeds[3])).send_token(
                    ALICE, 1
                )
            with pytest.raises(TokenTransferError) as info:
                await call
            errors.append(info.value)

    secrets = [ID_TOKEN]
    for seed in seeds:
        secrets += [seed.hex(), mmn.b58encode(seed), base64.b64encode(seed).decode()]
    for t in env.chain.transfers:
        secrets += [t.tx.zk_proof, t.tx.zk_pub]
    assert len(env.chain.transfers) == 2
    texts = [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    texts += ["".join(traceback.format_exception(e)) for e in errors]
    texts += [repr(tokens)]
    assert any("transfer complete" in t for t in texts)  # the logging really was captured
    for text in texts:
        for secret in secrets:
            assert secret not in text
