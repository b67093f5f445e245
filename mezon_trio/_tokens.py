"""Token transfers over the MMN chain (docs/protocol.md §8): the client side.

The only network code for transfers.  It talks to two services over the
caller's :class:`httpx.AsyncClient` (so it shares the client's transport and
limits): the ZK prover (``POST {zk_url}/prove``) and the MMN chain (JSON-RPC
2.0 ``POST {mmn_url}``).  The transaction logic itself is sans-I/O, in
:mod:`mezon_trio._protocol.mmn`.

Secrets: the ephemeral private key never leaves its :class:`EphemeralKey`; the
id_token, ZK proof and signatures are never logged nor put in exception
messages (server error text is scrubbed of the id_token before it is quoted).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

import httpx
import trio

from ._protocol import mmn
from .errors import ConfigurationError, TokenTransferError

__all__ = ["AddTxResult", "TokenService"]

log = logging.getLogger("mezon_trio.tokens")

_MMN: Final = "MMN chain"
_ZK: Final = "ZK prover"
_MAX_QUOTED: Final = 300
# MMN-NODE reports every signature and ZK failure as "invalid signature"; our
# sandbox adds a detail.  Either means: get a new key and proof, then try once more.
_PROOF_REJECTION_MARKERS: Final = ("invalid signature", "zk", "proof")


def _tokens_text(base_units: str) -> str:
    value = Decimal(int(base_units)).scaleb(-mmn.DECIMALS).normalize()
    return f"{value:f} tokens"


def _in_tokens(error: str) -> str:
    """The chain's error with its amounts in tokens, the unit the caller gave.

    The chain counts in base units (10^-6 token, §8.6): ``insufficient balance: have 999972000000,
    need 1000000000000000000`` becomes ``... have 999972 tokens, need 1000000000000 tokens``.
    """
    if "balance" not in error.lower():
        return error
    return _AMOUNT.sub(lambda m: f"{m[1]} {_tokens_text(m[2])}", error)


_AMOUNT: Final = re.compile(r"\b(have|need|balance|amount)[:=]? (\d+)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AddTxResult:
    """The chain's answer to ``tx.addtx`` (§8.8). :meth:`TokenService.send_token` returns only ``ok=True``."""

    ok: bool
    tx_hash: str
    error: str = ""


@dataclass(frozen=True, slots=True)
class _Credentials:
    key: mmn.EphemeralKey
    proof: str = field(repr=False)
    public_input: str = field(repr=False)


class TokenService:
    """Sends tokens from one Mezon user (the bot) to others.

    Lazy: nothing touches the network until the first :meth:`send_token`, which
    generates the ephemeral key and fetches its ZK proof; both are cached for
    later transfers.  Transfers are serialized with a lock, so concurrent calls
    never reuse a nonce.

    Args:
        http: the HTTP client to send with (its timeouts apply to each request).
        mmn_url: the chain's JSON-RPC URL (``mmn_api_url``); a trailing ``/`` is
            stripped, as the official SDKs do.
        zk_url: the prover's base URL (``zk_api_url``); ``/prove`` is appended.
        user_id: the sender (the bot's user id).
        id_token: returns the session's current ``id_token`` (called each time a
            proof is fetched, so a refreshed session is picked up).
        username: sent as ``UserSenderUsername`` in ``extra_info``.
        key_factory: makes ephemeral keys (default: fresh random keys).
    """

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        mmn_url: str,
        zk_url: str,
        user_id: int,
        id_token: Callable[[], str],
        username: str = "",
        key_factory: Callable[[], mmn.EphemeralKey] = mmn.EphemeralKey.generate,
    ) -> None:
        self._http = http
        self._mmn_url = mmn_url.rstrip("/")
        self._prove_url = zk_url.rstrip("/") + "/prove"
        self._user_id = user_id
        self._address = mmn.address_for(user_id)
        self._id_token = id_token
        self._username = username
        self._key_factory = key_factory
        self._lock = trio.Lock()
        self._credentials: _Credentials | None = None
        self._rpc_id = 0
        self._last_token = ""

    def __repr__(self) -> str:
        return f"TokenService(user_id={self._user_id}, address={self._address!r})"

    @property
    def user_id(self) -> int:
        return self._user_id

    @property
    def address(self) -> str:
        """The sender's chain address (§8.3)."""
        return self._address

    async def send_token(
        self,
        receiver_id: int,
        amount: int | Decimal,
        note: str = "",
        *,
        extra: Mapping[str, str] | None = None,
    ) -> AddTxResult:
        """Transfer *amount* tokens (up to 6 decimals) to *receiver_id*.

        Gets the key and ZK proof on first use, reads the pending nonce, signs and
        submits ``tx.addtx``.  If the chain refuses the signature or proof (e.g. an
        expired proof), a new key and proof are fetched and the transfer is tried
        once more.  *extra* keys are merged into ``extra_info``.

        Cancellation: if cancelled after ``tx.addtx`` was sent, the transfer may
        still happen; the next call reads the nonce afresh, so nothing is reused.

        Raises:
            ConfigurationError: the amount is not positive, has more than 6
                decimals or is a float; or the receiver is the sender.
            TokenTransferError: a service is unreachable or timed out, answered
                HTTP 429 or 5xx (all ``retriable``), answered a JSON-RPC error,
                refused the proof request, or refused the transaction
                (``ok: false``; the message quotes the chain's error, e.g.
                ``insufficient balance``, ``invalid nonce``).
        """
        try:
            scaled = mmn.scale_amount(amount)
            recipient = mmn.address_for(receiver_id)
            extra_info = mmn.extra_info_json(
                sender_id=self._user_id,
                receiver_id=receiver_id,
                sender_username=self._username,
                extra=extra,
            )
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(f"invalid token transfer: {exc}") from exc
        if receiver_id == self._user_id:
            raise ConfigurationError("invalid token transfer: the receiver is the sender")

        async with self._lock:
            result = await self._submit(receiver_id, recipient, scaled, note, extra_info)
            if not result.ok and any(m in result.error.lower() for m in _PROOF_REJECTION_MARKERS):
                log.debug("transfer refused (%s); fetching a new key and proof", self._scrub(result.error))
                self._credentials = None
                result = await self._submit(receiver_id, recipient, scaled, note, extra_info)
            if not result.ok:
                reason = _in_tokens(self._scrub(result.error)) or "no reason given"
                raise TokenTransferError(f"transfer of {amount} tokens rejected by the {_MMN}: {reason}")
            return result

    async def fetch_balance(self, user_id: int | None = None) -> Decimal:
        """Balance in tokens of *user_id* (default: the sender), via ``account.getaccount``.

        Raises:
            TokenTransferError: as for :meth:`send_token` (transport, HTTP, JSON-RPC).
        """
        address = self._address if user_id is None else mmn.address_for(user_id)
        result = await self._rpc("account.getaccount", {"address": address})
        balance = result.get("balance")
        if not isinstance(balance, str) or not balance.isdigit():
            raise TokenTransferError(f"{_MMN}: malformed account.getaccount reply")
        return Decimal(int(balance)).scaleb(-mmn.DECIMALS)

    # --------------------------------------------------------------- internals

    async def _submit(
        self, receiver_id: int, recipient: str, scaled: str, note: str, extra_info: str
    ) -> AddTxResult:
        """One attempt: credentials (cached), pending nonce + 1, sign, ``tx.addtx``."""
        creds = self._credentials or await self._fetch_credentials()
        nonce = await self._pending_nonce() + 1
        tx = mmn.TxMsg(
            type=mmn.TX_TYPE_TRANSFER,
            sender=self._address,
            recipient=recipient,
            amount=scaled,
            timestamp=time.time_ns() // 1_000_000,
            text_data=note,
            nonce=nonce,
            extra_info=extra_info,
            zk_proof=creds.proof,
            zk_pub=creds.public_input,
        )
        log.debug("transfer started: receiver=%d amount=%s nonce=%d", receiver_id, scaled, nonce)
        params = {"tx_msg": tx.to_json_dict(), "signature": mmn.sign_transaction(creds.key, tx)}
        result = await self._rpc("tx.addtx", params)
        ok, tx_hash, error = result.get("ok"), result.get("tx_hash", ""), result.get("error", "")
        if not isinstance(ok, bool) or not isinstance(tx_hash, str) or not isinstance(error, str):
            raise TokenTransferError(f"{_MMN}: malformed tx.addtx reply")
        if ok:
            log.debug("transfer complete: nonce=%d tx_hash=%s", nonce, tx_hash)
        else:
            log.debug("transfer refused: nonce=%d error=%s", nonce, self._scrub(error))
        return AddTxResult(ok=ok, tx_hash=tx_hash, error=error)

    async def _fetch_credentials(self) -> _Credentials:
        token = self._id_token()
        if not token:
            raise TokenTransferError("no id_token in the session: cannot get a ZK proof")
        self._last_token = token
        key = self._key_factory()
        body = {
            "user_id": str(self._user_id),  # §8.4: a string, unlike MMN-PY's JSON number
            "ephemeral_pk": key.public_key_b58,
            "jwt": token,
            "address": self._address,
            "client_type": "mezon",
        }
        log.debug("requesting a ZK proof for %r", key)
        reply = await self._post(self._prove_url, body, _ZK)
        data = reply.get("data")
        proof = data.get("proof") if isinstance(data, dict) else None
        public_input = data.get("public_input") if isinstance(data, dict) else None
        if not isinstance(proof, str) or not proof or not isinstance(public_input, str) or not public_input:
            raise TokenTransferError(f"{_ZK}: the reply holds no proof")
        self._credentials = _Credentials(key, proof, public_input)
        return self._credentials

    async def _pending_nonce(self) -> int:
        result = await self._rpc("account.getcurrentnonce", {"address": self._address, "tag": "pending"})
        error = result.get("error") or ""
        if error:
            raise TokenTransferError(f"{_MMN}: account.getcurrentnonce failed: {self._scrub(str(error))}")
        nonce = result.get("nonce")
        if isinstance(nonce, bool) or not isinstance(nonce, int) or nonce < 0:
            raise TokenTransferError(f"{_MMN}: malformed account.getcurrentnonce reply")
        return nonce

    async def _rpc(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self._rpc_id += 1
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": self._rpc_id}
        reply = await self._post(self._mmn_url, body, f"{_MMN} {method}")
        error = reply.get("error")
        if error:
            code = error.get("code") if isinstance(error, dict) else None
            message = error.get("message") if isinstance(error, dict) else error
            raise TokenTransferError(f"{_MMN} {method}: JSON-RPC error {code}: {self._scrub(str(message))}")
        result = reply.get("result")
        if not isinstance(result, dict):
            raise TokenTransferError(f"{_MMN} {method}: the reply holds no result")
        return result

    async def _post(self, url: str, body: dict[str, Any], what: str) -> dict[str, Any]:
        """POST JSON, map every failure to TokenTransferError (never quoting the body)."""
        try:
            response = await self._http.post(url, json=body, headers={"Accept": "application/json"})
        except httpx.TimeoutException as exc:
            raise TokenTransferError(f"{what}: timed out", retriable=True) from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise TokenTransferError(f"{what}: unreachable ({type(exc).__name__})", retriable=True) from exc
        except httpx.HTTPError as exc:
            raise TokenTransferError(f"{what}: request failed ({type(exc).__name__})") from exc
        status = response.status_code
        if status == 429:
            after = response.headers.get("retry-after")
            hint = f", retry after {after}s" if after and after.isdigit() else ""
            raise TokenTransferError(f"{what}: rate limited (HTTP 429{hint})", retriable=True)
        try:
            reply = response.json()
        except (ValueError, UnicodeDecodeError):
            reply = None
        if status >= 300:
            reason = (reply.get("error") or reply.get("message")) if isinstance(reply, dict) else None
            detail = f": {self._scrub(str(reason))}" if reason else ""
            raise TokenTransferError(f"{what}: HTTP {status}{detail}", retriable=status >= 500)
        if not isinstance(reply, dict):
            raise TokenTransferError(f"{what}: the reply is not a JSON object")
        return reply

    def _scrub(self, text: str) -> str:
        """Server text, shortened and with the id_token removed, safe to quote."""
        if self._last_token:
            text = text.replace(self._last_token, "***")
        return text[:_MAX_QUOTED]
