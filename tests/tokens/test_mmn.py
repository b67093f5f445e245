"""Sans-I/O MMN logic against the deterministic vector of docs/protocol.md §8.10."""

from __future__ import annotations

import base64
import dataclasses
import json
import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mezon_trio._protocol import mmn

SENDER = 1840000000000000001
RECEIVER = 1840000000000000300
SENDER_ADDR = "26HygD6JrNGpAjKGLrb5x6nhFdctrgXgDzEk1HZcNCSw"
RECEIVER_ADDR = "GSax6Ex9xjNAZEoPJHnXXSFAi6q46pJtvgeyxa36jubv"
PUB_B58 = "FAe4sisG95oZ42w7buUn5qEE4TAnfTTFPiguZUHmhiF"
PUB_B64 = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
EXTRA = (
    '{"type": "transfer_token", "UserSenderId": "1840000000000000001", '
    '"UserSenderUsername": "", "UserReceiverId": "1840000000000000300"}'
)
SIGNING = f"0|{SENDER_ADDR}|{RECEIVER_ADDR}|5000000|thanks|8|{EXTRA}"
SIG_HEX = (
    "afb506883085ddc70f8f7177a5797454471510f1940d3a15f7baa9de107656b1"
    "61b4369e66f76444bf7e60f3ffdf02fda8c54a87fd0d382343b3e9e65e27b200"
)
SIGNATURE = (
    "3XSLEfi16UEKENYVvnuLSvHgxgwsxPWV2ujYzc2uvMZWHXzQsEEkL3wEVPGRWHpfxxGFgZ5FywKnNbraud3m7tuzZ4spDDvfj6z288"
    "EPhNTTo29hEGjeNmRUxBeGqzPGzkEHvsyU5FoQSnr1GwU5U8AL7XpXz5tSpZJvPLrrpBxQkrExsn5AG1VXXdYRMUAVUq5veg8ECYc"
    "YBodPmjGNcYL"
)


SIG_B64 = base64.b64encode(bytes.fromhex(SIG_HEX)).decode()
ZERO_SIG_B64 = base64.b64encode(bytes(64)).decode()


def vector_key() -> mmn.EphemeralKey:
    return mmn.EphemeralKey.from_seed(bytes(range(32)))


def vector_tx(**changes: object) -> mmn.TxMsg:
    tx = mmn.TxMsg(
        type=0,
        sender=mmn.address_for(SENDER),
        recipient=mmn.address_for(RECEIVER),
        amount=mmn.scale_amount(5),
        timestamp=1795971673159,
        text_data="thanks",
        nonce=8,
        extra_info=mmn.extra_info_json(sender_id=SENDER, receiver_id=RECEIVER),
        zk_proof="proof",
        zk_pub="pub",
    )
    return dataclasses.replace(tx, **changes)  # type: ignore[arg-type]


def test_vector_addresses() -> None:
    assert mmn.address_for(SENDER) == SENDER_ADDR
    assert mmn.address_for(RECEIVER) == RECEIVER_ADDR


def test_vector_public_key() -> None:
    key = vector_key()
    assert key.public_key_b58 == PUB_B58
    assert key.public_key_b64 == PUB_B64
    assert key.public_key == base64.b64decode(PUB_B64)


def test_vector_amount_and_extra_info() -> None:
    assert mmn.scale_amount(5) == "5000000"
    assert mmn.extra_info_json(sender_id=SENDER, receiver_id=RECEIVER) == EXTRA


def test_vector_signing_string() -> None:
    assert mmn.signing_string(vector_tx()) == SIGNING


def test_vector_signature_hex() -> None:
    assert vector_key().sign(SIGNING.encode()).hex() == SIG_HEX


def test_vector_signature_field() -> None:
    assert mmn.sign_transaction(vector_key(), vector_tx()) == SIGNATURE
    assert mmn.sign_transaction(vector_key(), vector_tx(), separators=mmn.PY_SEPARATORS) == SIGNATURE


def test_signature_field_compact_separators_still_verifies() -> None:
    sig = mmn.sign_transaction(vector_key(), vector_tx(), separators=(",", ":"))
    assert sig != SIGNATURE
    assert json.loads(mmn.b58decode(sig)) == {
        "PubKey": PUB_B64,
        "Sig": base64.b64encode(bytes.fromhex(SIG_HEX)).decode(),
    }
    assert mmn.verify_signature(vector_tx(), sig)


def test_decode_user_signature() -> None:
    user_sig = mmn.decode_user_signature(SIGNATURE)
    assert user_sig.public_key_b58 == PUB_B58
    assert user_sig.signature.hex() == SIG_HEX
    assert SIG_HEX not in repr(user_sig)


def test_verify_vector() -> None:
    assert mmn.verify_signature(vector_tx(), SIGNATURE)
    # timestamp and the ZK fields are not signed
    assert mmn.verify_signature(vector_tx(timestamp=1, zk_proof="x", zk_pub="y"), SIGNATURE)


@pytest.mark.parametrize(
    "changes",
    [
        {"nonce": 9},
        {"amount": "5000001"},
        {"text_data": "thanks!"},
        {"recipient": SENDER_ADDR},
        {"extra_info": EXTRA.replace(", ", ",")},
        {"type": 1},
        {"zk_proof": ""},
        {"zk_pub": ""},
        {"zk_proof": "x" * 1025},
        {"zk_pub": "x" * 1025},
        {"amount": "-5000000"},
        {"amount": "5e6"},
    ],
)
def test_verify_rejects_changed_fields(changes: dict[str, object]) -> None:
    assert not mmn.verify_signature(vector_tx(**changes), SIGNATURE)


def test_verify_rerenders_amount_canonically() -> None:
    # The node parses the amount as uint256 and re-renders it before verifying.
    assert mmn.verify_signature(vector_tx(amount="0005000000"), SIGNATURE)


def test_zk_fields_at_limit_accepted() -> None:
    assert mmn.verify_signature(vector_tx(zk_proof="x" * 1024, zk_pub="y" * 1024), SIGNATURE)


def _b58_json(obj: object) -> str:
    return mmn.b58encode(json.dumps(obj).encode())


@pytest.mark.parametrize(
    "signature",
    [
        "",
        SIGNATURE[:-1],
        SIGNATURE + "1",
        "0OIl",  # not base58
        "1" * 2049,  # too long as text
        mmn.b58encode(b"not json"),
        _b58_json([1, 2]),
        _b58_json({"PubKey": PUB_B64}),
        _b58_json({"PubKey": PUB_B64, "Sig": "!!!"}),
        _b58_json({"PubKey": PUB_B64, "Sig": 5}),
        _b58_json({"PubKey": base64.b64encode(bytes(31)).decode(), "Sig": ZERO_SIG_B64}),
        _b58_json({"PubKey": base64.b64encode(bytes(33)).decode(), "Sig": ZERO_SIG_B64}),
        _b58_json({"PubKey": PUB_B64, "Sig": ZERO_SIG_B64}),
        mmn.b58encode(bytes.fromhex(SIG_HEX)),  # the type-1 (raw) encoding for a type-0 tx
    ],
)
def test_verify_rejects_bad_signatures(signature: str) -> None:
    assert not mmn.verify_signature(vector_tx(), signature)


def test_signature_length_limits() -> None:
    # 2048 base58 chars encode at most ~1500 bytes, so the 4096-byte decoded limit of the node
    # can never bind after the text limit; a long non-JSON string fails as non-JSON.
    big = mmn.b58encode(b"\xff" * 1400)
    assert len(big) <= mmn.MAX_SIGNATURE_B58_LEN
    with pytest.raises(ValueError, match="JSON"):
        mmn.decode_user_signature(big)
    with pytest.raises(ValueError, match="too large"):
        mmn.decode_user_signature("2" * 2049)


def test_type1_raw_signature() -> None:
    key = vector_key()
    tx = vector_tx(type=1, sender=key.public_key_b58, zk_proof="", zk_pub="")
    sig = mmn.sign_transaction(key, tx)
    assert len(mmn.b58decode(sig)) == 64
    assert mmn.verify_signature(tx, sig)
    assert not mmn.verify_signature(dataclasses.replace(tx, sender=SENDER_ADDR), sig)


def test_key_repr_hides_private_material() -> None:
    seed = bytes(range(32))
    key = mmn.EphemeralKey.from_seed(seed)
    for text in (repr(key), str(key), f"{key}"):
        assert text == f"EphemeralKey(public_key={PUB_B58!r})"
        assert seed.hex() not in text
    assert not hasattr(key, "seed")
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_generated_keys_differ_and_sign() -> None:
    a, b = mmn.EphemeralKey.generate(), mmn.EphemeralKey.generate()
    assert a.public_key != b.public_key
    sig = mmn.sign_transaction(a, vector_tx())
    assert mmn.verify_signature(vector_tx(), sig)
    assert mmn.decode_user_signature(sig).public_key == a.public_key


def test_from_seed_length() -> None:
    with pytest.raises(ValueError, match="32"):
        mmn.EphemeralKey.from_seed(bytes(31))


def test_txmsg_repr_hides_zk_fields() -> None:
    text = repr(vector_tx(zk_proof="SECRETPROOF", zk_pub="SECRETPUB"))
    assert "SECRETPROOF" not in text
    assert "SECRETPUB" not in text
    assert SENDER_ADDR in text


@pytest.mark.parametrize(
    ("tokens", "scaled"),
    [
        (1, "1000000"),
        (5, "5000000"),
        (Decimal("0.5"), "500000"),
        (Decimal("0.000001"), "1"),
        (Decimal("1.500000"), "1500000"),
        (Decimal("12.340000000"), "12340000"),
        ("2.25", "2250000"),
        (10**20, "1" + "0" * 26),
    ],
)
def test_scale_amount(tokens: int | Decimal | str, scaled: str) -> None:
    assert mmn.scale_amount(tokens) == scaled


@pytest.mark.parametrize(
    "tokens",
    [
        0,
        -1,
        Decimal(0),
        Decimal("-0.5"),
        Decimal("0.0000001"),
        Decimal("1.0000005"),
        Decimal("NaN"),
        Decimal("Infinity"),
        "abc",
        "",
        "1e-7",
        2**256,
    ],
)
def test_scale_amount_rejects(tokens: int | Decimal | str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several distinct messages
        mmn.scale_amount(tokens)


@pytest.mark.parametrize("tokens", [1.5, True, None, b"1"])
def test_scale_amount_rejects_types(tokens: object) -> None:
    with pytest.raises(TypeError):
        mmn.scale_amount(tokens)  # type: ignore[arg-type]


def test_unscale_and_canonical() -> None:
    assert mmn.unscale_amount("5000000") == 5
    assert mmn.unscale_amount("5999999") == 5
    assert mmn.canonical_amount("0012") == "12"
    for bad in ("", "+1", "-1", "1_000", " 1", "١", "1.0"):
        with pytest.raises(ValueError, match="invalid amount"):
            mmn.canonical_amount(bad)


def test_extra_info_options() -> None:
    text = mmn.extra_info_json(
        sender_id=1,
        receiver_id=2,
        sender_username="bot",
        kind="give_coffee",
        clan_id=3,
        channel_id=4,
        message_ref_id=5,
        extra_attribute="x",
        item_id="i",
        item_type="t",
        extra={"Custom": "c", "UserSenderUsername": "override"},
        separators=(",", ":"),
    )
    assert text == (
        '{"type":"give_coffee","ItemId":"i","ItemType":"t","ClanId":"3","UserSenderId":"1",'
        '"UserSenderUsername":"override","UserReceiverId":"2","ChannelId":"4","MessageRefId":"5",'
        '"ExtraAttribute":"x","Custom":"c"}'
    )
    with pytest.raises(TypeError):
        mmn.extra_info_json(sender_id=1, receiver_id=2, extra={"k": 1})  # type: ignore[dict-item]


def test_address_for_rejects_non_ints() -> None:
    for bad in (-1, True, "1", 1.0):
        with pytest.raises(ValueError, match="user_id"):
            mmn.address_for(bad)  # type: ignore[arg-type]


def test_base58_known_values() -> None:
    assert mmn.b58encode(b"") == ""
    assert mmn.b58encode(b"\0\0\x01") == "112"
    assert mmn.b58encode(b"hello world") == "StV1DL6CwTryKyV"
    assert mmn.b58decode("StV1DL6CwTryKyV") == b"hello world"
    assert mmn.b58decode("112") == b"\0\0\x01"
    for bad in ("0", "O", "I", "l", "a b", "é"):
        with pytest.raises(ValueError, match="base58"):
            mmn.b58decode(bad)


@given(st.binary(max_size=80))
def test_base58_roundtrip(data: bytes) -> None:
    text = mmn.b58encode(data)
    assert set(text) <= set("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
    assert mmn.b58decode(text) == data


def test_tx_json_roundtrip_and_hash() -> None:
    tx = vector_tx()
    data = tx.to_json_dict()
    assert list(data) == [
        "type",
        "sender",
        "recipient",
        "amount",
        "timestamp",
        "text_data",
        "nonce",
        "extra_info",
        "zk_proof",
        "zk_pub",
    ]
    assert mmn.TxMsg.from_json_dict(data) == tx
    h = mmn.tx_hash(tx)
    assert len(h) == 64
    assert int(h, 16) >= 0
    assert mmn.tx_hash(vector_tx(amount="005000000")) == h
    assert mmn.tx_hash(vector_tx(nonce=9)) != h


def test_tx_from_json_go_semantics() -> None:
    tx = mmn.TxMsg.from_json_dict({"sender": "a", "unknown": [1]})
    assert (tx.type, tx.amount, tx.nonce, tx.zk_proof) == (0, "", 0, "")
    for bad in ({"amount": 5}, {"nonce": "8"}, {"nonce": -1}, {"type": True}, {"sender": None, "nonce": 1.5}):
        with pytest.raises(ValueError, match="tx_msg"):
            mmn.TxMsg.from_json_dict(bad)
