"""Play media into a voice room: ``POST https://stn.mezon.ai/api/playmedia``.

The endpoint is an absolute URL of its own (not under the API base: the official Python
SDK prefixes the API base to it and so calls a URL that does not exist). Bearer session
token; JSON ``{room_name, participant_identity, participant_name, url, name}`` where
``room_name`` is the voice channel's ``meeting_code``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from .._proto.mezon import api
from ..errors import ConfigurationError, ContentError, NotFound, ProtocolError
from .base import RpcCaller, http_error, status_error

__all__ = ["DEFAULT_MEDIA_URL", "Media", "MediaPlayback"]

DEFAULT_MEDIA_URL: Final = "https://stn.mezon.ai/api/playmedia"


@dataclass(frozen=True, slots=True)
class MediaPlayback:
    """What was asked of the media service (its answer body has no documented fields)."""

    room_name: str
    url: str
    name: str
    participant_identity: str
    participant_name: str


class Media:
    """Voice media playback.

    Args:
        rpc: used to look up a channel's meeting code (``ListChannelDetail``).
        http: the ``httpx.AsyncClient`` for the POST.
        token: returns the current session token (``lambda: client.session.token``).
        participant_identity, participant_name: who plays (defaults: the bot's id and name).
        media_url: the absolute playmedia endpoint, used exactly as given.
        timeout: seconds for each step of the request (connect, write, read).

    Raises:
        ConfigurationError: *media_url* is not an absolute http(s) URL.
    """

    def __init__(
        self,
        rpc: RpcCaller,
        *,
        http: httpx.AsyncClient,
        token: Callable[[], str],
        participant_identity: str,
        participant_name: str,
        media_url: str = DEFAULT_MEDIA_URL,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(media_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError("media_url must be an absolute http(s) URL")
        self._rpc = rpc
        self._http = http
        self._token = token
        self._identity = participant_identity
        self._name = participant_name
        self.media_url = media_url
        self._timeout = httpx.Timeout(timeout)

    def __repr__(self) -> str:
        return f"<Media {self.media_url}>"

    async def room_name(self, channel_id: int) -> str:
        """The meeting code of voice channel *channel_id*.

        Raises:
            NotFound: no such channel, or it has no meeting code (not a voice channel).
        """
        detail = await self._rpc.rpc(
            "ListChannelDetail", api.ListChannelDetailRequest(channel_id=channel_id), api.ChannelDescription
        )
        if not detail.meeting_code:
            raise NotFound(f"channel {channel_id} has no voice room", operation="play_media")
        return detail.meeting_code

    async def play_media(
        self,
        channel: int | str,
        url: str,
        name: str,
        *,
        participant_identity: str | None = None,
        participant_name: str | None = None,
    ) -> MediaPlayback:
        """Play the media at *url* (absolute http(s)) in a voice room, shown as *name*.

        *channel* is the voice channel's id (its meeting code is looked up) or the
        meeting code itself (a ``str``).

        Raises:
            ContentError: *url* is not absolute http(s), or *name* is empty.
            NotFound: no such voice channel / room.
            APIError subclass: the media service refused (401 with an expired session).
            TransportError subclass: the service could not be reached.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ContentError("the media url must be an absolute http(s) URL")
        if not name:
            raise ContentError("the media needs a name")
        room = channel if isinstance(channel, str) else await self.room_name(channel)
        playback = MediaPlayback(
            room_name=room,
            url=url,
            name=name,
            participant_identity=participant_identity or self._identity,
            participant_name=participant_name or self._name,
        )
        body: dict[str, Any] = {
            "room_name": playback.room_name,
            "participant_identity": playback.participant_identity,
            "participant_name": playback.participant_name,
            "url": playback.url,
            "name": playback.name,
        }
        operation = "play_media"
        try:
            response = await self._http.post(
                self.media_url,
                json=body,
                headers={"Authorization": f"Bearer {self._token()}"},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            raise http_error(exc, operation) from exc
        if not response.is_success:
            raise status_error(response, operation)
        if response.headers.get("content-type", "").startswith("application/json"):
            try:
                response.json()
            except ValueError as exc:
                raise ProtocolError(f"{operation}: the answer is not JSON") from exc
        return playback
