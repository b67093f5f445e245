"""The optional features of a client, built on first use: uploads, polls, voice media, agent events.

Uploads, voice media and the agent stream use the client's HTTP connection pool, which exists
only while the client runs, so they are built the first time they are needed (and then kept).
"""

from __future__ import annotations

from typing import final

import trio

from .._connection.config import ClientConfig
from .._connection.core import ConnectionCore
from .agent_events import AgentEvents
from .media import Media
from .polls import Polls
from .uploads import Uploads

__all__ = ["Features"]


@final
class Features:
    """Uploads, polls, voice media and AI-agent events of one client."""

    def __init__(self, core: ConnectionCore, config: ClientConfig) -> None:
        self._core = core
        self._config = config
        self.polls = Polls(core)
        self._uploads: Uploads | None = None
        self._media: Media | None = None
        self.agent: AgentEvents | None = None

    def uploads(self, what: str) -> Uploads:
        """The upload service (needs a running client: it streams through the client's pool)."""
        self._core.require_running(what)
        if self._uploads is None:
            http = self._core.rest.http
            assert http is not None  # open while the client runs
            self._uploads = Uploads(self._core, http=http)
        return self._uploads

    def media(self, what: str) -> Media:
        """The voice-media service (needs a running client)."""
        core = self._core
        core.require_running(what)
        if self._media is None:
            http = core.rest.http
            assert http is not None
            session = core.session
            self._media = Media(
                core,
                http=http,
                token=lambda: session.current.token,
                participant_identity=str(core.user_id),
                participant_name=f"bot-{core.client_id}",
                media_url=self._config.media_url,
            )
        return self._media

    async def start_agent_events(self, nursery: trio.Nursery) -> None:
        """Run the agent event stream in the client's nursery when ``agent_event_url`` is set.

        Events are published to the client's event hub (``Events.AGENT_SESSION_STARTED``...);
        the stream reconnects with backoff on its own.
        """
        url = self._config.agent_event_url
        if not url:
            return
        http = self._core.rest.http
        assert http is not None  # the runner opens the pool before starting tasks
        hub = self._core.hub
        self.agent = AgentEvents(
            url,
            self._config.client_id,
            self._config.api_key,
            http=http,
            on_event=lambda event: hub.publish(event.name, event),
        )
        await nursery.start(self.agent.run, name="mezon-agent-events")
