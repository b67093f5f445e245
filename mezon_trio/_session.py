"""Login, the session token and its renewal (docs/protocol.md §2).

* :func:`parse_session` decodes the login answer as a protobuf ``api.Session``
  whatever its content type, falling back to the old JSON shape (§2.2).
* :func:`jwt_claims` reads ``exp``/``uid``/``vrs`` without verifying (§2.3).
* :class:`SessionManager` logs in, renews the token before it expires
  (``SessionRefresh`` with the refresh token, falling back to logging in again
  with the API key, §2.5), and adopts a pushed ``refresh_session_event``.

Tokens never appear in reprs or logs: :class:`Session` hides them.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Final

import trio

from ._proto.mezon import api
from ._transport.rest import RestClient
from ._transport.urls import api_base_url
from .errors import AuthenticationError, MezonError, ProtocolError

__all__ = ["REFRESH_MARGIN", "Session", "SessionManager", "jwt_claims", "parse_session", "refresh_margin"]

log = logging.getLogger("mezon_trio.client")

#: Renew the token when it has less than this left (§2.5), or half its lifetime if shorter.
REFRESH_MARGIN: Final = 300.0


def refresh_margin(lifetime: float | None) -> float:
    """How long before expiry a token of *lifetime* seconds is renewed."""
    if lifetime is None or lifetime <= 0:
        return REFRESH_MARGIN
    return min(REFRESH_MARGIN, lifetime / 2)


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, **not verified** (no SDK verifies, §2.3); ``{}`` if unreadable."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """A login session.  ``repr`` never shows the tokens.

    Attributes:
        user_id: the bot's user id (``Session.user_id``, else the JWT ``uid``).
        api_url: base URL of the RPC API as the server sent it.
        ws_url: WebSocket host as the server sent it (§2.4).
        expires_at: JWT ``exp`` of ``token`` (Unix seconds), None when absent.
        refresh_expires_at: JWT ``exp`` of ``refresh_token``, None when absent.
        vars: the ``vrs`` claim.
    """

    token: str = field(repr=False)
    refresh_token: str = field(repr=False, default="")
    id_token: str = field(repr=False, default="")
    user_id: int = 0
    api_url: str = ""
    ws_url: str = ""
    expires_at: float | None = None
    refresh_expires_at: float | None = None
    vars: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_fields(
        cls,
        *,
        token: str,
        refresh_token: str = "",
        id_token: str = "",
        user_id: int = 0,
        api_url: str = "",
        ws_url: str = "",
    ) -> Session:
        """Build a session, reading ``exp``/``uid``/``vrs`` from the JWTs."""
        claims = jwt_claims(token)
        if not user_id:
            user_id = _int(claims.get("uid"))
        refresh_exp = _number(jwt_claims(refresh_token).get("exp")) if refresh_token else None
        vrs = claims.get("vrs")
        return cls(
            token=token,
            refresh_token=refresh_token,
            id_token=id_token,
            user_id=user_id,
            api_url=api_url,
            ws_url=ws_url,
            expires_at=_number(claims.get("exp")),
            refresh_expires_at=refresh_exp,
            vars=MappingProxyType(dict(vrs) if isinstance(vrs, dict) else {}),
        )

    def merged(self, update: Session) -> Session:
        """*update* with this session's URLs, ids and refresh token filling its empty fields."""
        return replace(
            update,
            refresh_token=update.refresh_token or self.refresh_token,
            refresh_expires_at=update.refresh_expires_at if update.refresh_token else self.refresh_expires_at,
            id_token=update.id_token or self.id_token,
            user_id=update.user_id or self.user_id,
            api_url=update.api_url or self.api_url,
            ws_url=update.ws_url or self.ws_url,
        )

    def remaining(self, now: float | None = None) -> float | None:
        """Seconds until ``expires_at`` (wall clock), None when unknown."""
        if self.expires_at is None:
            return None
        return self.expires_at - (time.time() if now is None else now)


def session_from_proto(msg: api.Session) -> Session:
    """From a decoded ``api.Session`` (login answer, SessionRefresh, refresh_session_event)."""
    return Session.from_fields(
        token=msg.token,
        refresh_token=msg.refresh_token,
        id_token=msg.id_token,
        user_id=msg.user_id,
        api_url=msg.api_url,
        ws_url=msg.ws_url,
    )


def parse_session(body: bytes) -> Session:
    """Decode a login answer: protobuf ``api.Session`` first, then the old JSON shape (§2.2).

    Raises:
        ProtocolError: neither decodes to a session with a token.
    """
    try:
        msg = api.Session.parse(body)
    except Exception:  # betterproto2 raises assorted errors on non-protobuf input
        msg = None
    if msg is not None and msg.token and _plausible_token(msg.token):
        return session_from_proto(msg)
    data: Any = None
    if body.lstrip()[:1] == b"{":
        try:
            data = json.loads(body)
        except ValueError:
            data = None
    if isinstance(data, dict) and isinstance(data.get("token"), str) and data["token"]:

        def pick(*names: str) -> Any:
            for name in names:
                if data.get(name) not in (None, ""):
                    return data[name]
            return ""

        return Session.from_fields(
            token=data["token"],
            refresh_token=str(pick("refresh_token", "refreshToken")),
            id_token=str(pick("id_token", "idToken")),
            user_id=_int(pick("user_id", "userId")),
            api_url=str(pick("api_url", "apiUrl")),
            ws_url=str(pick("ws_url", "wsUrl")),
        )
    raise ProtocolError(f"login answer is neither an api.Session nor a JSON session ({len(body)} bytes)")


def _plausible_token(token: str) -> bool:
    # A JSON body can parse as protobuf by accident; a real token is printable ASCII.
    return token.isascii() and token.isprintable()


class SessionManager:
    """Owns the current session of one client.

    Args:
        rest: the client's HTTP side (its ``api_base`` follows the session's ``api_url``).
        client_id: the bot id.
        api_key: the bot's API key (never logged).
        use_ssl: the client's ``use_ssl`` option, for URLs without a scheme.
    """

    def __init__(self, rest: RestClient, client_id: int, api_key: str, *, use_ssl: bool) -> None:
        self._rest = rest
        self._client_id = client_id
        self._api_key = api_key
        self._use_ssl = use_ssl
        self._session: Session | None = None
        self._expires_at_trio: float | None = None
        self._lifetime: float | None = None
        self._changed = trio.Event()
        self._lock = trio.Lock()
        #: counters, for statistics and tests
        self.logins = 0
        self.refreshes = 0
        self.adopted = 0

    def __repr__(self) -> str:
        return f"<SessionManager client_id={self._client_id} session={self._session!r}>"

    @property
    def current(self) -> Session:
        """The current session.

        Raises:
            MezonError: not logged in yet.
        """
        if self._session is None:
            raise MezonError("not logged in")
        return self._session

    @property
    def has_session(self) -> bool:
        return self._session is not None

    def time_left(self) -> float | None:
        """Seconds until the token expires (trio clock), None when it has no ``exp``."""
        if self._expires_at_trio is None:
            return None
        return self._expires_at_trio - trio.current_time()

    def needs_refresh(self) -> bool:
        """True when the token is within its refresh margin of expiry (or already expired)."""
        left = self.time_left()
        return left is not None and left <= refresh_margin(self._lifetime)

    def _set(self, session: Session) -> None:
        self._session = session
        remaining = session.remaining()
        if remaining is None:
            self._expires_at_trio = None
            self._lifetime = None
        else:
            self._expires_at_trio = trio.current_time() + remaining
            self._lifetime = remaining
        self._rest.api_base = api_base_url(
            session.api_url, use_ssl=self._use_ssl, login_base=self._rest.login_base
        )
        self._changed.set()
        self._changed = trio.Event()
        log.debug("session set for user %d, expires in %s s", session.user_id, remaining)

    async def login(self) -> Session:
        """Authenticate with the API key (§2.1) and make the answer current.

        Never retried automatically: a wrong key fails once.

        Raises:
            AuthenticationError: the bot id or API key was refused.
            APIError, TransportError: other failures.
            ProtocolError: the answer is not a session.
        """
        body = await self._rest.authenticate(self._client_id, self._api_key)
        session = parse_session(body)
        self.logins += 1
        self._set(session)
        log.info("logged in as user %d", session.user_id)
        return session

    async def relogin(self, stale_token: str | None = None) -> Session:
        """Log in again unless another task already replaced *stale_token*.

        Concurrent callers that all saw the same 401 cause one login, not a storm.
        """
        async with self._lock:
            if stale_token is not None and self._session is not None and self._session.token != stale_token:
                return self._session
            return await self.login()

    async def refresh(self) -> Session:
        """Renew the token: ``SessionRefresh`` with the refresh token, else log in again.

        Raises:
            AuthenticationError: the fallback login was refused (bad API key).
            APIError, TransportError, ProtocolError: the fallback login failed otherwise.
        """
        async with self._lock:
            current = self._session
            if current is not None and current.refresh_token and not self._refresh_token_expired(current):
                try:
                    msg = await self._rest.call(
                        "SessionRefresh",
                        api.SessionRefreshRequest(token=current.refresh_token),
                        api.Session,
                        token=None,
                        idempotent=False,
                    )
                except MezonError as exc:
                    log.info("SessionRefresh failed (%s); logging in again", type(exc).__name__)
                else:
                    if msg.token:
                        self.refreshes += 1
                        session = current.merged(session_from_proto(msg))
                        self._set(session)
                        log.info("session refreshed")
                        return session
            return await self.login()

    @staticmethod
    def _refresh_token_expired(session: Session) -> bool:
        exp = session.refresh_expires_at
        return exp is not None and exp - time.time() < 5

    def adopt(self, msg: api.Session) -> None:
        """Adopt a pushed ``refresh_session_event`` (§2.5): its token, and its URLs when non-empty.

        Sync and non-blocking: called from the reader task.
        """
        if not msg.token:
            return
        update = session_from_proto(msg)
        session = update if self._session is None else self._session.merged(update)
        self.adopted += 1
        self._set(session)
        log.info("adopted a pushed session (refresh_session_event)")

    async def ensure_fresh(self) -> Session:
        """The current session, renewed first if it is within its refresh margin of expiry."""
        if self._session is None:
            return await self.login()
        if self.needs_refresh():
            return await self.refresh()
        return self._session

    async def run_refresher(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Renew the token before it expires, forever (run it in the client's nursery).

        Transient failures are retried with backoff (1 s doubling to 60 s) while the
        old token lasts.

        Raises:
            AuthenticationError: the API key was refused (fatal for the client).
        """
        task_status.started()
        failures = 0
        while True:
            changed = self._changed
            left = self.time_left()
            if left is None:
                await changed.wait()
                continue
            wait = left - refresh_margin(self._lifetime)
            if failures:
                wait = max(wait, min(60.0, 2.0 ** (failures - 1)))
            if wait > 0:
                with trio.move_on_after(wait):
                    await changed.wait()
                    failures = 0
                    continue
            try:
                await self.refresh()
            except AuthenticationError:
                raise
            except MezonError as exc:
                failures += 1
                log.warning("session renewal failed (%s: %s); retrying", type(exc).__name__, exc)
            else:
                failures = 0
