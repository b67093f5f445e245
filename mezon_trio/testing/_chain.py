"""The sandbox's fake MMN chain and ZK prover (docs/protocol.md §8.4, §8.5, §8.8, §8.9).

Pure request logic: bytes in, ``(http status, JSON object or None)`` out.  The
sandbox's HTTP app mounts :meth:`FakeChain.handle_rpc` at the MMN URL (JSON-RPC
2.0, ``POST``; clients strip the trailing ``/`` of ``mmn_api_url``, so mount
both ``/mmn-api`` and ``/mmn-api/``) and :meth:`FakeChain.handle_prove` at
``{zk_api_url}/prove``.  A ``None`` body means "no body" (HTTP 204 for a
JSON-RPC notification).

What it mirrors from MMN-NODE (``jsonrpc/server.go``, ``transaction/``,
``mempool/``): validation failures of ``tx.addtx`` are ``result.ok = false``
with ``result.error`` text (``"invalid signature"``, ``"zero amount not
allowed"``, ``"invalid nonce: ..."``, ``"insufficient balance: have X, need
Y"``), never JSON-RPC errors; an unknown method is ``-32601``; parameters of
the wrong JSON type are ``-32602``; rate limiting is HTTP 429 ``ip rate limit``.

Choices (documented deviations):

* A body that is not JSON at all gets HTTP 200 with a JSON-RPC ``-32700``
  error and ``id: null`` (what JSON-RPC 2.0 prescribes).  The real node's
  jrpc2 HTTP bridge answers such a body with HTTP 500 and a plain-text line;
  a JSON value that is not an object gets ``-32700`` with HTTP 200 in both.
  Batches (JSON arrays) get ``-32600``: no client sends them.
* Transactions apply at once, so the ``latest`` and ``pending`` nonces of an
  address are always equal.  An address never seen has balance 0, nonce 0.
* Only type-0 (ZK-authorised) transfers are accepted: nobody holds the key of
  a SHA-256 address, so type 1 (key-signed faucet) is refused; seed balances
  with :meth:`FakeChain.credit` instead.
* The ZK check: ``zk_proof`` must be a proof this instance's ``/prove`` issued
  for exactly (sender address, ``PubKey``), and ``zk_pub`` its public input.
  Proofs are HMAC-SHA256 tokens under a per-instance secret;
  :meth:`FakeChain.rotate_prover_secret` invalidates every issued proof (the
  way an expired proof is refused).  Any signature or ZK failure reads
  ``"invalid signature"`` as on the node, with a parenthesised detail.
* Addresses map back to user ids through a registry filled by ``/prove`` (the
  id_token owner), :meth:`FakeChain.register_user`, :meth:`FakeChain.credit`,
  the ``balances`` argument, and on a miss the optional ``known_users``
  callable.  A transfer to an address with no known user still succeeds (the
  chain does not care), but ``on_transfer`` is not called for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from .._content.wire import JSONObject
from .._protocol import mmn

__all__ = ["ChainTransfer", "FakeChain"]

log = logging.getLogger("mezon_trio.testing.chain")

#: on_transfer(sender_id, receiver_id, whole_tokens, note, tx_hash)
TransferHook = Callable[[int, int, int, str, str], Awaitable[None]]

_PARSE_ERROR: Final = -32700
_INVALID_REQUEST: Final = -32600
_METHOD_NOT_FOUND: Final = -32601
_INVALID_PARAMS: Final = -32602
_TRANSFER_LOG_SIZE: Final = 10_000
_INVALID_TAG: Final = "invalid tag: must be 'latest' or 'pending'"


@dataclass(frozen=True, slots=True)
class ChainTransfer:
    """One applied transfer. ``amount`` is in chain units (×10^6); ids are ``None`` if unknown."""

    tx_hash: str
    tx: mmn.TxMsg
    sender_id: int | None
    receiver_id: int | None
    amount: int


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _ParamsError(Exception):
    pass


class FakeChain:
    """In-memory MMN chain plus ZK prover for one sandbox.

    Args:
        id_token_owner: maps an ``id_token`` string to the user id it was issued
            to, or ``None`` if the sandbox never issued it.
        on_transfer: awaited after every applied transfer whose sender and
            receiver ids are known, with ``(sender_id, receiver_id, whole tokens
            (rounded down), note, tx_hash)``; the sandbox pushes
            ``token_sent_event`` from it.  Its exceptions propagate out of
            :meth:`handle_rpc` (the transfer is already applied by then).
        balances: initial balances by **user id**, in **whole tokens**.
        known_users: optional; called when an address is not in the registry,
            returning every user id the sandbox knows.

    Attributes:
        balances: by address, in chain units (tokens ×10^6); edit freely.
        nonces: by address, the nonce of the last applied transaction.
        transfers: the most recent applied transfers (bounded), oldest first.
        prover_down: ``/prove`` answers HTTP 503.
        chain_down: the JSON-RPC endpoint answers HTTP 503.
        rate_limited: the JSON-RPC endpoint answers HTTP 429 ``ip rate limit``.
        fail_next_addtx: when set, the next ``tx.addtx`` answers ``ok: false``
            with this error text (then the field resets to ``None``).
    """

    def __init__(
        self,
        *,
        id_token_owner: Callable[[str], int | None],
        on_transfer: TransferHook | None = None,
        balances: dict[int, int] | None = None,
        known_users: Callable[[], Iterable[int]] | None = None,
    ) -> None:
        self._id_token_owner = id_token_owner
        self._on_transfer = on_transfer
        self._known_users = known_users
        self._secret = secrets.token_bytes(32)
        self._uid_by_address: dict[str, int] = {}
        self.balances: dict[str, int] = {}
        self.nonces: dict[str, int] = {}
        self.transfers: deque[ChainTransfer] = deque(maxlen=_TRANSFER_LOG_SIZE)
        self.prover_down = False
        self.chain_down = False
        self.rate_limited = False
        self.fail_next_addtx: str | None = None
        for user_id, tokens in (balances or {}).items():
            self.credit(user_id, tokens)

    # ----------------------------------------------------------- helpers

    def register_user(self, *user_ids: int) -> None:
        """Make these users' addresses resolvable to their ids."""
        for user_id in user_ids:
            self._uid_by_address[mmn.address_for(user_id)] = user_id

    def user_for(self, address: str) -> int | None:
        """The user id owning *address*, if known (consults ``known_users`` on a miss)."""
        user_id = self._uid_by_address.get(address)
        if user_id is None and self._known_users is not None:
            self.register_user(*self._known_users())
            user_id = self._uid_by_address.get(address)
        return user_id

    def credit(self, user_id: int, tokens: int | Decimal | str) -> None:
        """Add *tokens* (whole or up to 6 decimals) to a user's balance.

        Raises:
            ValueError: the amount is not a positive amount with at most 6 decimals.
        """
        self.register_user(user_id)
        address = mmn.address_for(user_id)
        self.balances[address] = self.balances.get(address, 0) + int(mmn.scale_amount(tokens))

    def balance_of(self, user_id: int) -> int:
        """A user's balance in chain units (tokens ×10^6)."""
        return self.balances.get(mmn.address_for(user_id), 0)

    def tokens_of(self, user_id: int) -> Decimal:
        """A user's balance in tokens."""
        return Decimal(self.balance_of(user_id)).scaleb(-mmn.DECIMALS)

    def nonce_of(self, user_id: int) -> int:
        """Nonce of the user's last applied transaction (0 if none)."""
        return self.nonces.get(mmn.address_for(user_id), 0)

    async def transfer(
        self, sender_id: int, receiver_id: int, tokens: int | Decimal | str, note: str = ""
    ) -> str:
        """Script a transfer as if *sender_id* had signed it; returns its tx_hash.

        Skips signature and proof checks but keeps the ledger rules (nonce, balance)
        and awaits ``on_transfer`` like a real ``tx.addtx``.

        Raises:
            ValueError: bad amount, sender == receiver, or insufficient balance.
        """
        amount = mmn.scale_amount(tokens)
        self.register_user(sender_id, receiver_id)
        sender, recipient = mmn.address_for(sender_id), mmn.address_for(receiver_id)
        tx = mmn.TxMsg(
            type=mmn.TX_TYPE_TRANSFER,
            sender=sender,
            recipient=recipient,
            amount=amount,
            timestamp=time.time_ns() // 1_000_000,
            text_data=note,
            nonce=self.nonces.get(sender, 0) + 1,
            extra_info=mmn.extra_info_json(sender_id=sender_id, receiver_id=receiver_id),
            zk_proof="",
            zk_pub="",
        )
        error = self._check_ledger(tx, int(amount))
        if error:
            raise ValueError(error)
        return await self._apply(tx)

    def rotate_prover_secret(self) -> None:
        """Invalidate every proof issued so far (as if they had expired)."""
        self._secret = secrets.token_bytes(32)

    # ------------------------------------------------------------ prover

    def _issue_proof(self, address: str, public_key_b58: str) -> tuple[str, str]:
        payload = _b64url(
            json.dumps({"address": address, "pk": public_key_b58}, separators=(",", ":")).encode()
        )
        mac = hmac.new(self._secret, b"zk-proof|" + payload.encode(), hashlib.sha256).digest()
        proof = f"{payload}.{_b64url(mac)}"
        return proof, self._public_input(proof)

    def _public_input(self, proof: str) -> str:
        return hmac.new(self._secret, b"zk-pub|" + proof.encode(), hashlib.sha256).hexdigest()

    def _zk_verify(self, address: str, public_key_b58: str, proof: str, public_input: str) -> bool:
        payload, _, mac_text = proof.partition(".")
        try:
            mac = _unb64url(mac_text)
            claims = json.loads(_unb64url(payload))
        except ValueError:
            return False
        expected = hmac.new(self._secret, b"zk-proof|" + payload.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected) or not isinstance(claims, dict):
            return False
        return (
            claims.get("address") == address
            and claims.get("pk") == public_key_b58
            and hmac.compare_digest(public_input, self._public_input(proof))
        )

    async def handle_prove(self, body: bytes) -> tuple[int, JSONObject | None]:
        """``POST {zk_api_url}/prove`` (§8.4).

        Requires ``ephemeral_pk`` (base58 of 32 bytes) and ``jwt`` (an id_token
        the sandbox issued); ``user_id`` (number or string) and ``address`` are
        optional but must match the token's user; unknown keys are ignored.
        Refusals are HTTP 400 ``{"error": ...}``; 503 while :attr:`prover_down`.
        """
        if self.prover_down:
            return 503, {"error": "prover unavailable"}
        try:
            req = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return 400, {"error": "invalid JSON body"}
        if not isinstance(req, dict):
            return 400, {"error": "body must be a JSON object"}
        pk = req.get("ephemeral_pk")
        try:
            pk_ok = isinstance(pk, str) and len(mmn.b58decode(pk)) == 32
        except ValueError:
            pk_ok = False
        if not pk_ok:
            return 400, {"error": "ephemeral_pk must be a base58 Ed25519 public key"}
        assert isinstance(pk, str)
        jwt = req.get("jwt")
        owner = self._id_token_owner(jwt) if isinstance(jwt, str) and jwt else None
        if owner is None:
            return 400, {"error": "invalid jwt"}
        user_id = req.get("user_id")
        if user_id is not None and not (
            (isinstance(user_id, int) and not isinstance(user_id, bool) and user_id == owner)
            or (isinstance(user_id, str) and user_id == str(owner))
        ):
            return 400, {"error": "user_id does not match jwt"}
        address = mmn.address_for(owner)
        if req.get("address") not in (None, address):
            return 400, {"error": "address does not match jwt"}
        self.register_user(owner)
        proof, public_input = self._issue_proof(address, pk)
        log.debug("prove: issued proof for user %d", owner)
        return 200, {"data": {"proof": proof, "public_input": public_input}}

    # ----------------------------------------------------------- JSON-RPC

    async def handle_rpc(self, body: bytes) -> tuple[int, JSONObject | None]:
        """One JSON-RPC 2.0 request to the MMN endpoint (§8.5, §8.8).

        Methods: ``account.getcurrentnonce``, ``account.getaccount``, ``tx.addtx``.
        Cancellation: if cancelled while ``on_transfer`` runs, the transfer stays
        applied and the hook's work may be incomplete.
        """
        if self.rate_limited:
            return 429, {"error": "ip rate limit"}
        if self.chain_down:
            return 503, {"error": "service unavailable"}
        try:
            req = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return 200, _error(None, _PARSE_ERROR, "parse error")
        if isinstance(req, list):
            return 200, _error(None, _INVALID_REQUEST, "batch requests are not supported")
        if not isinstance(req, dict):
            return 200, _error(None, _PARSE_ERROR, "request is not a JSON object")
        req_id = req.get("id")
        if isinstance(req_id, bool) or not isinstance(req_id, int | float | str | None):
            return 200, _error(None, _INVALID_REQUEST, "invalid request ID")
        method = req.get("method")
        if req.get("jsonrpc") != "2.0" or not isinstance(method, str) or not method:
            return 200, _error(req_id, _INVALID_REQUEST, "invalid version marker or method")
        params = req.get("params")
        if params is None:
            params = {}
        if not isinstance(params, dict):
            return 200, _error(req_id, _INVALID_PARAMS, "invalid parameters")
        handler = {
            "account.getcurrentnonce": self._get_current_nonce,
            "account.getaccount": self._get_account,
            "tx.addtx": self._add_tx,
        }.get(method)
        if handler is None:
            result: tuple[int, dict[str, Any] | None] = (
                200,
                _error(req_id, _METHOD_NOT_FOUND, f'no such method "{method}"'),
            )
        else:
            try:
                result = 200, {"jsonrpc": "2.0", "id": req_id, "result": await handler(params)}
            except _ParamsError as exc:
                result = 200, _error(req_id, _INVALID_PARAMS, f"invalid parameters: {exc}")
        if "id" not in req:  # a notification: jrpc2's bridge answers 204 without a body
            return 204, None
        return result

    async def _get_current_nonce(self, params: dict[str, Any]) -> dict[str, Any]:
        address = _str_param(params, "address")
        tag = _str_param(params, "tag")
        if tag not in ("latest", "pending"):
            return {
                "address": address,
                "nonce": 0,
                "tag": tag,
                "error": "invalid tag: must be 'latest' or 'pending'",
            }
        return {"address": address, "nonce": self.nonces.get(address, 0), "tag": tag, "error": ""}

    async def _get_account(self, params: dict[str, Any]) -> dict[str, Any]:
        address = _str_param(params, "address")
        return {
            "address": address,
            "balance": str(self.balances.get(address, 0)),
            "nonce": self.nonces.get(address, 0),
            "decimals": mmn.DECIMALS,
        }

    async def _add_tx(self, params: dict[str, Any]) -> dict[str, Any]:
        raw_tx = params.get("tx_msg")
        if raw_tx is None:
            raw_tx = {}
        if not isinstance(raw_tx, dict):
            raise _ParamsError("tx_msg must be an object")
        try:
            tx = mmn.TxMsg.from_json_dict(raw_tx)
        except ValueError as exc:
            raise _ParamsError(str(exc)) from None
        signature = _str_param(params, "signature")

        if self.fail_next_addtx is not None:
            error, self.fail_next_addtx = self.fail_next_addtx, None
            return _rejected(error)
        error = self._validate(tx, signature)
        if error:
            log.debug("tx.addtx rejected: %s", error)
            return _rejected(error)

        # Checked and applied with no await in between: concurrent calls stay consistent.
        return {"ok": True, "tx_hash": await self._apply(tx), "error": ""}

    async def _apply(self, tx: mmn.TxMsg) -> str:
        """Move the balance, bump the nonce, record, then await ``on_transfer``."""
        amount = int(tx.amount)
        digest = mmn.tx_hash(tx)
        self.balances[tx.sender] -= amount
        self.balances[tx.recipient] = self.balances.get(tx.recipient, 0) + amount
        self.nonces[tx.sender] = tx.nonce
        sender_id, receiver_id = self.user_for(tx.sender), self.user_for(tx.recipient)
        self.transfers.append(ChainTransfer(digest, tx, sender_id, receiver_id, amount))
        log.debug("transfer applied nonce=%d amount=%d tx_hash=%s", tx.nonce, amount, digest)
        if self._on_transfer is not None and sender_id is not None and receiver_id is not None:
            await self._on_transfer(sender_id, receiver_id, mmn.unscale_amount(amount), tx.text_data, digest)
        return digest

    def _validate(self, tx: mmn.TxMsg, signature: str) -> str:
        """The §8.9 checks, in the node's order; returns the error text or ``""``."""
        try:
            amount = int(mmn.canonical_amount(tx.amount))
        except ValueError as exc:
            return str(exc)
        if tx.type != mmn.TX_TYPE_TRANSFER:
            return "invalid signature (the sandbox accepts only type 0 transfers)"
        if not mmn.verify_signature(tx, signature):
            return "invalid signature"
        user_sig = mmn.decode_user_signature(signature)
        if not self._zk_verify(tx.sender, user_sig.public_key_b58, tx.zk_proof, tx.zk_pub):
            return "invalid signature (zk proof not valid for this sender and key)"
        return self._check_ledger(tx, amount)

    def _check_ledger(self, tx: mmn.TxMsg, amount: int) -> str:
        """Amount, addresses, nonce and balance rules; returns the error text or ``""``."""
        if amount == 0:
            return "zero amount not allowed"
        if tx.sender == tx.recipient:
            return "sender and recipient must differ"
        try:
            recipient_ok = len(mmn.b58decode(tx.recipient)) == 32
        except ValueError:
            recipient_ok = False
        if not recipient_ok:
            return "invalid recipient address"
        expected = self.nonces.get(tx.sender, 0) + 1
        if tx.nonce != expected:
            return f"invalid nonce: expected {expected}, got {tx.nonce}"
        balance = self.balances.get(tx.sender, 0)
        if balance < amount:
            return f"insufficient balance: have {balance}, need {amount}"
        return ""


def _str_param(params: dict[str, Any], key: str) -> str:
    value = params.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _ParamsError(f"{key} must be a string")
    return value


def _rejected(error: str) -> dict[str, Any]:
    return {"ok": False, "tx_hash": "", "error": error}


def _error(req_id: object, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": req_id, "error": {"code": code, "message": message}}
