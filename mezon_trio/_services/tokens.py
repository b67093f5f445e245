"""``client.send_token``: token transfers over MMN + ZK (docs/protocol.md §8), wired lazily.

Login never touches the token services (quirk 12): the :class:`TokenService` is
built on the first transfer, and it fetches the ZK proof then.  If a service is
down, only the transfer fails, with :class:`~mezon_trio.errors.TokenTransferError`.
Key material stays inside the service (never logged, never in errors).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final, final

import trio

from .._connection.core import ConnectionCore
from .._models.values import TransferResult
from .._protocol import mmn
from .._protocol.enums import TypeMessage
from .._tokens import TokenService
from ..errors import ClientClosed, InvalidArgument, MezonError, TokenTransferError
from .messaging import MessagingService

__all__ = ["TokenTransfers", "receipt_text"]

log = logging.getLogger("mezon_trio.tokens")

#: A transfer makes up to five HTTP calls (proof, nonce, addtx, and again after a rejected proof).
_CALLS_PER_TRANSFER: Final = 5


def receipt_text(amount: int | Decimal | str, note: str) -> str:
    """The §8.11 receipt: ``Funds Transferred: 1,000₫ | note`` (note defaults to "Transfer funds")."""
    value = Decimal(amount) if isinstance(amount, str) else amount
    return f"Funds Transferred: {value:,}₫ | {note or 'Transfer funds'}"


@final
class TokenTransfers:
    """Token transfers from the bot (docs/protocol.md §8); the MMN/ZK client is built on first use."""

    def __init__(
        self,
        core: ConnectionCore,
        messaging: MessagingService,
        *,
        mmn_api_url: str,
        zk_api_url: str,
        timeout: float,
        key_factory: Callable[[], mmn.EphemeralKey] = mmn.EphemeralKey.generate,
    ) -> None:
        self._core = core
        self._messaging = messaging
        self._mmn_api_url = mmn_api_url
        self._zk_api_url = zk_api_url
        self._timeout = timeout
        self._service: TokenService | None = None
        #: Makes the ephemeral signing key (tests pass a deterministic one).
        self.key_factory = key_factory

    @property
    def service(self) -> TokenService | None:
        """The MMN/ZK client, once a transfer built it (key material stays inside, never shown)."""
        return self._service

    def _tokens(self) -> TokenService:
        service = self._service
        if service is None or service.user_id != self._core.user_id:
            http = self._core.rest.http  # the client's pool and transport (sandbox in-memory mode too)
            if http is None:
                raise ClientClosed("the client is closed")
            session = self._core.session
            service = self._service = TokenService(
                http=http,
                mmn_url=self._mmn_api_url,
                zk_url=self._zk_api_url,
                user_id=self._core.user_id,
                id_token=lambda: session.current.id_token,
                key_factory=self.key_factory,
            )
        return service

    async def send(
        self,
        receiver_id: int,
        amount: int | Decimal | str,
        note: str = "",
        *,
        sender_name: str = "",
        extra_attribute: str = "",
        extra_info: Mapping[str, object] | None = None,
        receipt: bool = True,
    ) -> TransferResult:
        """Send *amount* tokens from the bot to *receiver_id* (MMN chain, §8).

        ``sender_name`` and ``extra_attribute`` go into ``extra_info`` as ``UserSenderUsername``
        and ``ExtraAttribute``; *extra_info* keys are merged into it (values written as strings).

        On first use this creates the ephemeral key and fetches the ZK proof (kept for
        later transfers); each transfer reads the pending nonce, signs and submits
        ``tx.addtx``.  A rejected proof is renewed once.  With ``receipt`` (default,
        like the official SDKs, §8.11) the receiver then gets a DM "Funds Transferred:
        N₫ | note" (code 11); a failing receipt is logged, not raised.  The whole
        transfer is bounded by five times the client's ``timeout``.

        Raises:
            InvalidArgument: bad amount (zero, negative, float, more than 6 decimals),
                or the receiver is the bot.
            ClientNotRunning: the client is not running.
            TokenTransferError: prover or chain unreachable, timed out, rate limited
                (``retriable``), or the transaction was refused (e.g. "insufficient
                balance", "invalid signature").
            ClientClosed: the client closed.
        """
        self._core.require_running("send_token()")
        extra: dict[str, str] = {}
        if sender_name:
            extra["UserSenderUsername"] = sender_name
        if extra_attribute:
            extra["ExtraAttribute"] = extra_attribute
        for key, value in (extra_info or {}).items():
            extra[str(key)] = value if isinstance(value, str) else str(value)
        if isinstance(amount, str):
            try:
                amount = Decimal(amount)
            except ArithmeticError as exc:
                raise InvalidArgument(f"invalid token amount {amount!r}") from exc
        service = self._tokens()
        deadline = _CALLS_PER_TRANSFER * self._timeout
        with trio.move_on_after(deadline) as scope:
            result = await service.send_token(receiver_id, amount, note, extra=extra or None)
        if scope.cancelled_caught:
            raise TokenTransferError(f"token transfer timed out after {deadline:g} s", retriable=True)
        response = TransferResult(ok=result.ok, tx_hash=result.tx_hash, error=result.error)
        if receipt:
            try:
                await self._messaging.send_dm(
                    receiver_id, receipt_text(amount, note), code=TypeMessage.SEND_TOKEN
                )
            except MezonError as exc:
                log.warning("token receipt DM to %d failed: %s", receiver_id, exc)
        return response
