"""MMN chain transaction logic (docs/protocol.md §8): addresses, keys, signing, verification.

Sans-I/O: no network, no trio.  The client (:mod:`mezon_trio._tokens`) builds and
signs transactions with it; the sandbox chain (:mod:`mezon_trio.testing._chain`)
verifies them with the same code, so both sides agree by construction and the
deterministic vector of §8.10 pins both.

Secrets: an :class:`EphemeralKey` never exposes its private half (no accessor, not
in ``repr``/``str``); ``zk_proof``/``zk_pub`` are kept out of :class:`TxMsg`'s repr.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "DECIMALS",
    "MAX_SIGNATURE_B58_LEN",
    "MAX_SIGNATURE_DECODED_LEN",
    "MAX_ZK_FIELD_LEN",
    "PY_SEPARATORS",
    "TX_TYPE_TRANSFER",
    "TX_TYPE_TRANSFER_BY_KEY",
    "EphemeralKey",
    "TxMsg",
    "UserSig",
    "address_for",
    "b58decode",
    "b58encode",
    "canonical_amount",
    "decode_user_signature",
    "extra_info_json",
    "scale_amount",
    "sign_transaction",
    "signing_string",
    "tx_hash",
    "unscale_amount",
    "verify_signature",
]

#: Token amounts on the chain carry 6 decimals (§8.6): 5 tokens -> "5000000".
DECIMALS: Final = 6
#: ``tx_msg.type`` of a transfer authorised by a ZK proof (what bots send).
TX_TYPE_TRANSFER: Final = 0
#: ``tx_msg.type`` of a transfer signed by the sender address's own key (faucet/admin).
TX_TYPE_TRANSFER_BY_KEY: Final = 1
#: MMN-NODE limits (§8.9).
MAX_SIGNATURE_B58_LEN: Final = 2048
MAX_SIGNATURE_DECODED_LEN: Final = 4096
MAX_ZK_FIELD_LEN: Final = 1024
#: Python's default ``json.dumps`` separators, used by MMN-PY for both
#: ``extra_info`` and the signature JSON (the §8.10 vector depends on them).
PY_SEPARATORS: Final[tuple[str, str]] = (", ", ": ")

_SCALE: Final = 10**DECIMALS
_MAX_AMOUNT: Final = 2**256 - 1  # the node stores amounts as uint256

# ---------------------------------------------------------------- base58

_B58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX: Final = {c: i for i, c in enumerate(_B58_ALPHABET)}


def b58encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet, no checksum); each leading zero byte becomes ``"1"``."""
    n = int.from_bytes(data, "big")
    digits: list[str] = []
    while n:
        n, rem = divmod(n, 58)
        digits.append(_B58_ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`.

    Raises:
        ValueError: *text* contains a character outside the Bitcoin alphabet.
    """
    n = 0
    for ch in text:
        try:
            n = n * 58 + _B58_INDEX[ch]
        except KeyError:
            raise ValueError("invalid base58 character") from None
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + n.to_bytes((n.bit_length() + 7) // 8, "big")


# ------------------------------------------------------------- addresses


def address_for(user_id: int) -> str:
    """Chain address of a Mezon user: base58(SHA-256(decimal user id)) (§8.3)."""
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id < 0:
        raise ValueError("user_id must be a non-negative int")
    return b58encode(hashlib.sha256(str(user_id).encode()).digest())


def _is_address(text: str) -> bool:
    try:
        return len(b58decode(text)) == 32
    except ValueError:
        return False


# ------------------------------------------------------------------ keys


class EphemeralKey:
    """An Ed25519 key pair used to sign transfers (§8.2).

    The private half stays inside: there is no accessor for it and ``repr`` shows
    only the public key, so logging the object is safe.
    """

    __slots__ = ("__private", "_public")

    def __init__(self, _private: Ed25519PrivateKey) -> None:
        self.__private = _private
        self._public = _private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @classmethod
    def generate(cls) -> EphemeralKey:
        """A fresh key from 32 bytes of OS randomness."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> EphemeralKey:
        """The key for a 32-byte seed (RFC 8032). For tests and the §8.10 vector.

        Raises:
            ValueError: *seed* is not 32 bytes.
        """
        if len(seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(bytes(seed)))

    @property
    def public_key(self) -> bytes:
        """The 32 raw public-key bytes."""
        return self._public

    @property
    def public_key_b58(self) -> str:
        """Base58 public key, as sent to the ZK prover (``ephemeral_pk``)."""
        return b58encode(self._public)

    @property
    def public_key_b64(self) -> str:
        """Standard base64 public key, as carried in the signature JSON (``PubKey``)."""
        return base64.b64encode(self._public).decode("ascii")

    def sign(self, data: bytes) -> bytes:
        """Pure Ed25519 signature (64 bytes) of *data*."""
        return self.__private.sign(data)

    def __repr__(self) -> str:
        return f"EphemeralKey(public_key={self.public_key_b58!r})"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # never pickle key material by accident
        raise TypeError("EphemeralKey cannot be pickled")


# --------------------------------------------------------------- amounts


def scale_amount(tokens: int | Decimal | str) -> str:
    """Chain amount string for *tokens*: ×10^6, decimal, no sign, no leading zeros (§8.6).

    ``5`` -> ``"5000000"``, ``Decimal("0.5")`` -> ``"500000"``.  Floats are refused
    (binary fractions are not amounts); pass a :class:`~decimal.Decimal` or a string.

    Raises:
        ValueError: the amount is zero, negative, not finite, has more than 6
            decimals, or does not fit the chain's uint256.
        TypeError: a float, bool or other non-numeric type.
    """
    if isinstance(tokens, bool) or not isinstance(tokens, int | Decimal | str):
        raise TypeError("amount must be an int, a Decimal or a decimal string")
    if isinstance(tokens, int):
        scaled = tokens * _SCALE
    else:
        try:
            value = Decimal(tokens) if isinstance(tokens, str) else tokens
            if not value.is_finite():
                raise ValueError("amount must be finite")
            exact = value.scaleb(DECIMALS)
            scaled = int(exact)
        except (InvalidOperation, OverflowError) as exc:
            raise ValueError("amount is not a decimal number") from exc
        if exact != scaled:
            raise ValueError(f"amount has more than {DECIMALS} decimals")
    if scaled <= 0:
        raise ValueError("amount must be positive")
    if scaled > _MAX_AMOUNT:
        raise ValueError("amount is too large")
    return str(scaled)


def unscale_amount(amount: str | int) -> int:
    """Whole tokens in a chain amount (rounded down): ``"5000000"`` -> ``5``."""
    return int(amount) // _SCALE


def canonical_amount(amount: str) -> str:
    """The amount as the node re-renders it (uint256 decimal, no leading zeros).

    Raises:
        ValueError: not a plain decimal integer string (sign, spaces, underscores,
            non-ASCII digits) or above uint256.
    """
    if not amount or not amount.isascii() or not amount.isdigit():
        raise ValueError("invalid amount format")
    value = int(amount)
    if value > _MAX_AMOUNT:
        raise ValueError("invalid amount format: overflow")
    return str(value)


# ------------------------------------------------------------ extra_info

_EXTRA_KEYS: Final = (
    "ItemId",
    "ItemType",
    "ClanId",
    "UserSenderId",
    "UserSenderUsername",
    "UserReceiverId",
    "ChannelId",
    "MessageRefId",
    "ExtraAttribute",
)


def extra_info_json(
    *,
    sender_id: int,
    receiver_id: int | None,
    sender_username: str = "",
    kind: str = "transfer_token",
    item_id: str | None = None,
    item_type: str | None = None,
    clan_id: int | None = None,
    channel_id: int | None = None,
    message_ref_id: int | None = None,
    extra_attribute: str | None = None,
    extra: Mapping[str, str] | None = None,
    separators: tuple[str, str] = PY_SEPARATORS,
) -> str:
    """The ``extra_info`` JSON text of a transfer (§8.6).

    *kind* is the ``type`` key (``transfer_token``, ``give_coffee``, ``unlock_item``).
    Keys in the order MMN-PY emits them, ``None`` values omitted, every value a
    string.  ``UserSenderId`` and ``UserSenderUsername`` are always present (as in
    MMN-PY).  *extra* keys are merged last (TS merges caller keys too); a key that
    names a standard field replaces its value in place.  The default separators
    are MMN-PY's; any spacing is valid because the same string is signed and sent.
    """
    values: dict[str, object | None] = {
        "ItemId": item_id,
        "ItemType": item_type,
        "ClanId": clan_id,
        "UserSenderId": sender_id,
        "UserSenderUsername": sender_username,
        "UserReceiverId": receiver_id,
        "ChannelId": channel_id,
        "MessageRefId": message_ref_id,
        "ExtraAttribute": extra_attribute,
    }
    out: dict[str, str] = {"type": kind}
    out.update({k: str(values[k]) for k in _EXTRA_KEYS if values[k] is not None})
    for key, value in (extra or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("extra must map str to str")
        out[key] = value
    return json.dumps(out, separators=separators)


# ----------------------------------------------------------- transaction


@dataclass(frozen=True, slots=True, kw_only=True)
class TxMsg:
    """A ``tx_msg`` (§8.6). ``amount`` is the scaled decimal string; ``timestamp`` is in ms."""

    type: int
    sender: str
    recipient: str
    amount: str
    timestamp: int
    text_data: str
    nonce: int
    extra_info: str
    zk_proof: str = field(repr=False)
    zk_pub: str = field(repr=False)

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON object sent as ``params.tx_msg``, keys in §8.6 order."""
        return {
            "type": self.type,
            "sender": self.sender,
            "recipient": self.recipient,
            "amount": self.amount,
            "timestamp": self.timestamp,
            "text_data": self.text_data,
            "nonce": self.nonce,
            "extra_info": self.extra_info,
            "zk_proof": self.zk_proof,
            "zk_pub": self.zk_pub,
        }

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> TxMsg:
        """Parse ``params.tx_msg`` the way the node's Go structs do.

        Missing keys take their zero value and unknown keys are ignored; a value of
        the wrong JSON type is an error (Go's ``json.Unmarshal`` fails the call).

        Raises:
            ValueError: a field has the wrong type or a negative integer.
        """
        ints = {"type": 0, "timestamp": 0, "nonce": 0}
        strs = {
            "sender": "",
            "recipient": "",
            "amount": "",
            "text_data": "",
            "extra_info": "",
            "zk_proof": "",
            "zk_pub": "",
        }
        kwargs: dict[str, Any] = {}
        for key, default in ints.items():
            value = data.get(key, default)
            if value is None:
                value = default
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"tx_msg.{key} must be an integer")
            if key != "type" and value < 0:
                raise ValueError(f"tx_msg.{key} must be unsigned")
            kwargs[key] = value
        for key, sdefault in strs.items():
            value = data.get(key, sdefault)
            if value is None:
                value = sdefault
            if not isinstance(value, str):
                raise ValueError(f"tx_msg.{key} must be a string")
            kwargs[key] = value
        return cls(**kwargs)


def signing_string(tx: TxMsg) -> str:
    """``{type}|{sender}|{recipient}|{amount}|{text_data}|{nonce}|{extra_info}`` (§8.7).

    ``amount`` is used as given; the verifier re-renders it canonically first
    (see :func:`verify_signature`), so send canonical amounts.
    """
    return f"{tx.type}|{tx.sender}|{tx.recipient}|{tx.amount}|{tx.text_data}|{tx.nonce}|{tx.extra_info}"


def sign_transaction(key: EphemeralKey, tx: TxMsg, *, separators: tuple[str, str] = PY_SEPARATORS) -> str:
    """The ``signature`` field for *tx* (§8.7).

    Type 0: base58 of the JSON ``{"PubKey": <b64>, "Sig": <b64>}`` written with
    *separators* (MMN-PY's defaults reproduce the §8.10 vector byte for byte).
    Type 1: base58 of the raw 64-byte signature.
    """
    sig = key.sign(signing_string(tx).encode("utf-8"))
    if tx.type == TX_TYPE_TRANSFER_BY_KEY:
        return b58encode(sig)
    user_sig = {"PubKey": key.public_key_b64, "Sig": base64.b64encode(sig).decode("ascii")}
    return b58encode(json.dumps(user_sig, separators=separators).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class UserSig:
    """The decoded JSON of a type-0 ``signature``: raw public key and raw signature."""

    public_key: bytes
    signature: bytes = field(repr=False)

    @property
    def public_key_b58(self) -> str:
        return b58encode(self.public_key)


def _decode_signature_bytes(signature: str) -> bytes:
    if not signature or len(signature) > MAX_SIGNATURE_B58_LEN:
        raise ValueError("signature too large" if signature else "empty signature")
    raw = b58decode(signature)
    if len(raw) > MAX_SIGNATURE_DECODED_LEN:
        raise ValueError("decoded signature too large")
    return raw


def decode_user_signature(signature: str) -> UserSig:
    """Decode a type-0 ``signature`` into its ``PubKey``/``Sig`` bytes, with the node's limits.

    Raises:
        ValueError: too long, not base58, not a JSON object, ``PubKey``/``Sig``
            missing or not standard padded base64, or ``PubKey`` not 32 bytes.
    """
    raw = _decode_signature_bytes(signature)
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("signature is not JSON") from exc
    if not isinstance(obj, dict):
        raise ValueError("signature is not a JSON object")
    decoded: dict[str, bytes] = {}
    for name in ("PubKey", "Sig"):
        value = obj.get(name)
        if value is None:
            decoded[name] = b""
            continue
        if not isinstance(value, str):
            raise ValueError(f"signature {name} is not a string")
        try:
            decoded[name] = base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"signature {name} is not base64") from exc
    if not decoded["PubKey"] or not decoded["Sig"]:
        raise ValueError("invalid user signature structure")
    if len(decoded["PubKey"]) != 32:
        raise ValueError("bad public key length")
    return UserSig(decoded["PubKey"], decoded["Sig"])


def _ed25519_ok(public_key: bytes, sig: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(sig, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_signature(tx: TxMsg, signature: str) -> bool:
    """The §8.9 signature checks that need no ZK verifier.

    Signature length limits, base58/JSON/base64 decoding, a 32-byte ``PubKey``,
    then Ed25519 over the signing string rebuilt from *tx* with the amount
    re-rendered canonically.  For type 0 it also requires non-empty ``zk_proof``
    and ``zk_pub`` of at most 1024 characters each; the ZK proof itself is the
    caller's to check (against ``decode_user_signature(signature).public_key``).
    Type 1 verifies a raw signature with the sender address as the public key.
    """
    try:
        amount = canonical_amount(tx.amount)
        message = signing_string(replace(tx, amount=amount)).encode("utf-8")
        if tx.type == TX_TYPE_TRANSFER_BY_KEY:
            sender = b58decode(tx.sender)
            return len(sender) == 32 and _ed25519_ok(sender, _decode_signature_bytes(signature), message)
        if not tx.zk_proof or not tx.zk_pub:
            return False
        if len(tx.zk_proof) > MAX_ZK_FIELD_LEN or len(tx.zk_pub) > MAX_ZK_FIELD_LEN:
            return False
        user_sig = decode_user_signature(signature)
    except ValueError:
        return False
    return _ed25519_ok(user_sig.public_key, user_sig.signature, message)


def tx_hash(tx: TxMsg) -> str:
    """Hex SHA-256 of the canonical ``tx_msg`` JSON (the sandbox's transaction id).

    Canonical: the §8.6 keys in order, compact separators, UTF-8 (no ASCII
    escaping), amount re-rendered canonically when it parses.
    """
    with contextlib.suppress(ValueError):
        tx = replace(tx, amount=canonical_amount(tx.amount))
    text = json.dumps(tx.to_json_dict(), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
