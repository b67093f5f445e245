"""FakeChain request logic, called directly (no HTTP)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio

from mezon_trio._protocol import mmn
from mezon_trio.testing._chain import FakeChain

BOT, ALICE, BOB = 1840000000000000001, 1840000000000000300, 1840000000000000777
TOKENS = {"tok-bot": BOT, "tok-alice": ALICE}


class Harness:
    def __init__(self, **kwargs: Any) -> None:
        self.events: list[tuple[int, int, int, str, str]] = []
        kwargs.setdefault("known_users", lambda: [BOT, ALICE])
        self.chain = FakeChain(id_token_owner=TOKENS.get, on_transfer=self._on_transfer, **kwargs)
        self.rpc_id = 0

    async def _on_transfer(self, sender: int, receiver: int, amount: int, note: str, tx_hash: str) -> None:
        self.events.append((sender, receiver, amount, note, tx_hash))

    async def prove(self, body: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        return await self.chain.handle_prove(json.dumps(body).encode())

    async def proof_for(self, key: mmn.EphemeralKey, jwt: str = "tok-bot") -> tuple[str, str]:
        status, reply = await self.prove({"ephemeral_pk": key.public_key_b58, "jwt": jwt})
        assert status == 200, reply
        assert reply is not None
        return reply["data"]["proof"], reply["data"]["public_input"]

    async def rpc(self, method: str, params: Any) -> dict[str, Any]:
        self.rpc_id += 1
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": self.rpc_id})
        status, reply = await self.chain.handle_rpc(body.encode())
        assert status == 200
        assert reply is not None
        assert reply["id"] == self.rpc_id
        return reply

    async def result(self, method: str, params: Any) -> dict[str, Any]:
        reply = await self.rpc(method, params)
        assert "error" not in reply, reply
        result: dict[str, Any] = reply["result"]
        return result


def build_tx(
    key: mmn.EphemeralKey,
    proof: tuple[str, str],
    *,
    sender: int = BOT,
    receiver: int = ALICE,
    amount: str = "5000000",
    nonce: int = 1,
    note: str = "thanks",
) -> mmn.TxMsg:
    return mmn.TxMsg(
        type=0,
        sender=mmn.address_for(sender),
        recipient=mmn.address_for(receiver),
        amount=amount,
        timestamp=1795971673159,
        text_data=note,
        nonce=nonce,
        extra_info=mmn.extra_info_json(sender_id=sender, receiver_id=receiver),
        zk_proof=proof[0],
        zk_pub=proof[1],
    )


def addtx_params(tx: mmn.TxMsg, signature: str) -> dict[str, Any]:
    return {"tx_msg": tx.to_json_dict(), "signature": signature}


async def submit(h: Harness, key: mmn.EphemeralKey, tx: mmn.TxMsg) -> dict[str, Any]:
    return await h.result("tx.addtx", addtx_params(tx, mmn.sign_transaction(key, tx)))


@pytest.fixture
def h() -> Harness:
    return Harness(balances={BOT: 100})


async def test_happy_transfer(h: Harness) -> None:
    with trio.fail_after(5):
        key = mmn.EphemeralKey.generate()
        proof = await h.proof_for(key)
        nonce = await h.result("account.getcurrentnonce", {"address": mmn.address_for(BOT), "tag": "pending"})
        assert nonce == {"address": mmn.address_for(BOT), "nonce": 0, "tag": "pending", "error": ""}
        tx = build_tx(key, proof, nonce=nonce["nonce"] + 1)
        res = await submit(h, key, tx)
        assert res["ok"] is True
        assert res["error"] == ""
        assert res["tx_hash"] == mmn.tx_hash(tx)
        assert h.events == [(BOT, ALICE, 5, "thanks", res["tx_hash"])]
        assert h.chain.balance_of(BOT) == 95_000_000
        assert h.chain.balance_of(ALICE) == 5_000_000
        assert h.chain.tokens_of(ALICE) == 5
        assert h.chain.nonce_of(BOT) == 1
        for tag in ("latest", "pending"):
            got = await h.result("account.getcurrentnonce", {"address": mmn.address_for(BOT), "tag": tag})
            assert got["nonce"] == 1
        account = await h.result("account.getaccount", {"address": mmn.address_for(ALICE)})
        assert account == {"address": mmn.address_for(ALICE), "balance": "5000000", "nonce": 0, "decimals": 6}
        assert [t.tx_hash for t in h.chain.transfers] == [res["tx_hash"]]
        # second transfer with the next nonce, fractional amount (on_transfer gets whole tokens, floored)
        tx2 = build_tx(key, proof, nonce=2, amount="1500000", note="")
        res2 = await submit(h, key, tx2)
        assert res2["ok"] is True
        assert h.events[-1] == (BOT, ALICE, 1, "", res2["tx_hash"])
        assert h.chain.balance_of(ALICE) == 6_500_000


async def test_wrong_nonce_rejected(h: Harness) -> None:
    with trio.fail_after(5):
        key = mmn.EphemeralKey.generate()
        proof = await h.proof_for(key)
        for nonce in (0, 2, 8):
            res = await submit(h, key, build_tx(key, proof, nonce=nonce))
            assert res == {"ok": False, "tx_hash": "", "error": f"invalid nonce: expected 1, got {nonce}"}
        assert (await submit(h, key, build_tx(key, proof, nonce=1)))["ok"]
        # replaying the same nonce is refused
        res = await submit(h, key, build_tx(key, proof, nonce=1))
        assert res["error"].startswith("invalid nonce")
        assert len(h.events) == 1
        assert h.chain.balance_of(BOT) == 95_000_000


async def test_insufficient_balance(h: Harness) -> None:
    with trio.fail_after(5):
        key = mmn.EphemeralKey.generate()
        proof = await h.proof_for(key)
        res = await submit(h, key, build_tx(key, proof, amount="100000001"))
        assert res == {
            "ok": False,
            "tx_hash": "",
            "error": "insufficient balance: have 100000000, need 100000001",
        }
        assert h.chain.nonce_of(BOT) == 0
        assert h.events == []
        # exactly the balance works
        assert (await submit(h, key, build_tx(key, proof, amount="100000000")))["ok"]
        assert h.chain.balance_of(BOT) == 0


async def test_same_sender_and_recipient(h: Harness) -> None:
    with trio.fail_after(5):
        key = mmn.EphemeralKey.generate()
        proof = await h.proof_for(key)
        res = await submit(h, key, build_tx(key, proof, receiver=BOT))
        assert res["ok"] is False
        assert "sender and recipient must differ" in res["error"]
        assert h.chain.balance_of(BOT) == 100_000_000


async def test_zero_amount_and_bad_amounts(h: Harness) -> None:
    with trio.fail_after(5):
        key = mmn.EphemeralKey.generate()
        proof = await h.proof_for(key)
        res = await submit(h, key, build_tx(key, proof, amount="0"))
        assert res["error"] == "zero amount not allowed"
        for bad in ("-5", "5.0", "", "1e6"):
            res = await submit(h, key, build_tx(key, proof, amount=bad))
            assert res["ok"] is False
            assert "invalid amount format" in res["error"]


async def test_bad_signature(h: Harness) -> None:
    with trio.fail_after(5):
        key = mmn.EphemeralKey.generate()
        proof = await h.proof_for(key)
        tx = build_tx(key, proof)
        good = mmn.sign_transaction(key, tx)
        other = mmn.EphemeralKey.generate()
        forged = mmn.sign_transaction(other, tx)  # valid signature, but the proof binds `key`
        tampered = mmn.b58encode(mmn.b58decode(good).replace(b'"Sig": "', b'"Sig": "A', 1))
        cases = {
            "not base58": "0OIl",
            "tampered": tampered,
            "for other fields": mmn.sign_transaction(key, build_tx(key, proof, nonce=2)),
            "too long": "2" * 2049,
            "empty": "",
        }
        for name, sig in cases.items():
            res = await h.result("tx.addtx", addtx_params(tx, sig))
            assert res["ok"] is False, name
            assert res["error"] == "invalid signature", name
        res = await h.result("tx.addtx", addtx_params(tx, forged))
        assert res["ok"] is False
        assert res["error"].startswith("invalid signature (zk proof")
        assert h.events == []
        assert (await h.result("tx.addtx", addtx_params(tx, good)))["ok"]


async def test_unknown_proof(h: Harness) -> None:
    with trio.fail_after(5):
        key = mmn.EphemeralKey.generate()
        real = await h.proof_for(key)
        other_key = mmn.EphemeralKey.generate()
        other = await h.proof_for(other_key)
        alice = await h.proof_for(key, jwt="tok-alice")  # right key, wrong address
        made_up = ("eyJhZGRyZXNzIjoiIn0.AAAA", "00")
        cases = [made_up, (real[0], "00"), (real[0], other[1]), other, alice, ("", ""), ("x" * 1025, real[1])]
        for proof in cases:
            res = await submit(h, key, build_tx(key, proof))
            assert res["ok"] is False
            assert res["error"].startswith("invalid signature"), proof
        assert (await submit(h, key, build_tx(key, real)))["ok"]
        h.chain.rotate_prover_secret()
        res = await submit(h, key, build_tx(key, real, nonce=2))
        assert res["error"].startswith("invalid signature (zk proof")


async def test_type1_refused(h: Harness) -> None:
    with trio.fail_after(5):
        key = mmn.EphemeralKey.generate()
        tx = build_tx(key, ("", ""))
        tx1 = mmn.TxMsg(**{**tx.to_json_dict(), "type": 1, "sender": key.public_key_b58})
        h.chain.balances[key.public_key_b58] = 10**9
        res = await h.result("tx.addtx", addtx_params(tx1, mmn.sign_transaction(key, tx1)))
        assert res["ok"] is False
        assert res["error"].startswith("invalid signature")


async def test_invalid_tag(h: Harness) -> None:
    with trio.fail_after(5):
        for tag in ("earliest", "", None):
            params = {"address": mmn.address_for(BOT), "tag": tag}
            res = await h.result("account.getcurrentnonce", params)
            assert res == {
                "address": mmn.address_for(BOT),
                "nonce": 0,
                "tag": tag or "",
                "error": "invalid tag: must be 'latest' or 'pending'",
            }


async def test_jsonrpc_errors(h: Harness) -> None:
    with trio.fail_after(5):
        reply = await h.rpc("tx.nope", {})
        assert reply["error"]["code"] == -32601
        assert "tx.nope" in reply["error"]["message"]
        bad_params: list[dict[str, Any]] = [
            {"tx_msg": {"amount": 5}},
            {"tx_msg": []},
            {"tx_msg": {}, "signature": 7},
        ]
        for params in bad_params:
            reply = await h.rpc("tx.addtx", params)
            assert reply["error"]["code"] == -32602
        assert (await h.rpc("account.getaccount", {"address": 5}))["error"]["code"] == -32602
        assert (await h.rpc("account.getaccount", [1]))["error"]["code"] == -32602
        for body in (b"{not json", b"\xff\xfe", b""):
            assert await h.chain.handle_rpc(body) == (
                200,
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}},
            )
        for body, code in ((b'"str"', -32700), (b"[]", -32600)):
            status, raw = await h.chain.handle_rpc(body)
            assert status == 200
            assert raw is not None
            assert raw["error"]["code"] == code
            assert raw["id"] is None
        status, raw = await h.chain.handle_rpc(b'{"jsonrpc": "1.0", "method": "account.getaccount", "id": 3}')
        assert raw is not None
        assert (raw["id"], raw["error"]["code"]) == (3, -32600)
        # a notification (no id) gets no body, as from jrpc2's HTTP bridge
        notification = b'{"jsonrpc": "2.0", "method": "account.getaccount"}'
        assert await h.chain.handle_rpc(notification) == (204, None)


async def test_faults(h: Harness) -> None:
    with trio.fail_after(5):
        key = mmn.EphemeralKey.generate()
        proof = await h.proof_for(key)
        h.chain.rate_limited = True
        assert await h.chain.handle_rpc(b"{}") == (429, {"error": "ip rate limit"})
        h.chain.rate_limited = False
        h.chain.chain_down = True
        assert (await h.chain.handle_rpc(b"{}"))[0] == 503
        h.chain.chain_down = False
        h.chain.prover_down = True
        assert (await h.prove({"ephemeral_pk": key.public_key_b58, "jwt": "tok-bot"}))[0] == 503
        h.chain.prover_down = False
        h.chain.fail_next_addtx = "wallet frozen"
        res = await submit(h, key, build_tx(key, proof))
        assert res == {"ok": False, "tx_hash": "", "error": "wallet frozen"}
        chain: FakeChain = h.chain  # a fresh name: mypy narrowed the attribute to str above
        assert chain.fail_next_addtx is None
        assert (await submit(h, key, build_tx(key, proof)))["ok"]


async def test_prove_validation(h: Harness) -> None:
    with trio.fail_after(5):
        pk = mmn.EphemeralKey.generate().public_key_b58
        ok_bodies: list[dict[str, Any]] = [
            {"ephemeral_pk": pk, "jwt": "tok-bot"},
            {"ephemeral_pk": pk, "jwt": "tok-bot", "user_id": BOT, "address": mmn.address_for(BOT)},
            {"ephemeral_pk": pk, "jwt": "tok-bot", "user_id": str(BOT), "client_type": "mezon", "x": 1},
        ]
        for body in ok_bodies:
            status, reply = await h.prove(body)
            assert status == 200, body
            assert reply is not None
            assert set(reply["data"]) == {"proof", "public_input"}
            assert len(reply["data"]["proof"]) <= mmn.MAX_ZK_FIELD_LEN
        bad_bodies: list[Any] = [
            {"jwt": "tok-bot"},
            {"ephemeral_pk": pk},
            {"ephemeral_pk": pk, "jwt": "forged"},
            {"ephemeral_pk": pk, "jwt": ""},
            {"ephemeral_pk": "abc", "jwt": "tok-bot"},
            {"ephemeral_pk": 5, "jwt": "tok-bot"},
            {"ephemeral_pk": pk, "jwt": "tok-bot", "user_id": ALICE},
            {"ephemeral_pk": pk, "jwt": "tok-bot", "user_id": True},
            {"ephemeral_pk": pk, "jwt": "tok-bot", "address": mmn.address_for(ALICE)},
            [pk],
        ]
        for body in bad_bodies:
            status, reply = await h.prove(body)
            assert status == 400, body
            assert reply is not None
            assert "error" in reply
        assert (await h.chain.handle_prove(b"{nope"))[0] == 400


async def test_unknown_recipient_and_known_users() -> None:
    with trio.fail_after(5):
        seen: list[int] = []
        h = Harness(balances={BOT: 10}, known_users=lambda: [BOT, ALICE, *seen])
        key = mmn.EphemeralKey.generate()
        proof = await h.proof_for(key)
        # BOB is unknown: the transfer applies, but no on_transfer event
        assert (await submit(h, key, build_tx(key, proof, receiver=BOB)))["ok"]
        assert h.events == []
        assert h.chain.balance_of(BOB) == 5_000_000
        assert h.chain.transfers[-1].receiver_id is None
        # once the sandbox knows BOB (via known_users), events flow
        seen.append(BOB)
        assert (await submit(h, key, build_tx(key, proof, receiver=BOB, nonce=2)))["ok"]
        assert h.events[-1][:3] == (BOT, BOB, 5)
        assert h.chain.user_for(mmn.address_for(BOB)) == BOB


async def test_concurrent_submissions_are_consistent(h: Harness) -> None:
    with trio.fail_after(5):
        key = mmn.EphemeralKey.generate()
        proof = await h.proof_for(key)
        results: list[dict[str, Any]] = []

        async def one(nonce: int) -> None:
            results.append(await submit(h, key, build_tx(key, proof, nonce=nonce, amount="1000000")))

        async with trio.open_nursery() as nursery:
            for _ in range(5):
                nursery.start_soon(one, 1)  # all race for nonce 1: exactly one wins
        assert sum(r["ok"] for r in results) == 1
        assert h.chain.balance_of(BOT) == 99_000_000


async def test_scripted_transfer(h: Harness) -> None:
    with trio.fail_after(5):
        tx_hash = await h.chain.transfer(BOT, BOB, 3, "scripted")
        assert h.events == [(BOT, BOB, 3, "scripted", tx_hash)]
        assert (h.chain.balance_of(BOT), h.chain.balance_of(BOB), h.chain.nonce_of(BOT)) == (
            97_000_000,
            3_000_000,
            1,
        )
        with pytest.raises(ValueError, match="insufficient balance"):
            await h.chain.transfer(BOB, ALICE, 4)
        with pytest.raises(ValueError, match="must differ"):
            await h.chain.transfer(BOT, BOT, 1)
        with pytest.raises(ValueError, match="positive"):
            await h.chain.transfer(BOT, ALICE, 0)
        # a signed transfer afterwards must use the next nonce
        key = mmn.EphemeralKey.generate()
        proof = await h.proof_for(key)
        assert (await submit(h, key, build_tx(key, proof, nonce=2)))["ok"]
        assert len(h.events) == 2
