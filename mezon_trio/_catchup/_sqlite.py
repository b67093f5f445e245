"""The embedded :class:`CursorStore`: one SQLite file, written from a worker thread.

Standard-library ``sqlite3`` in WAL mode.  Every call runs in
``trio.to_thread.run_sync`` (one at a time; the connection is used by one thread
at a time), so the event loop never waits on the disk.  A batch is one
transaction: after ``save`` returns the batch is durable (``synchronous=FULL``),
and a process killed mid-batch leaves the previous batch.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from typing import Final, final

import trio

from ..errors import ConfigurationError, MezonError
from ._cursors import Cursor

__all__ = ["SQLiteCursorStore"]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS mezon_cursors (
    namespace   TEXT    NOT NULL,
    channel_id  INTEGER NOT NULL,
    clan_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    PRIMARY KEY (namespace, channel_id)
)
"""
_UPSERT: Final = """
INSERT INTO mezon_cursors (namespace, channel_id, clan_id, message_id) VALUES (?, ?, ?, ?)
ON CONFLICT (namespace, channel_id) DO UPDATE SET
    clan_id = excluded.clan_id,
    message_id = max(message_id, excluded.message_id)
"""
_INT64_MAX: Final = (1 << 63) - 1


def _to_db(value: int) -> int:
    """uint64 ids stored as SQLite's signed INTEGER (two's complement), so any id fits."""
    return value - (1 << 64) if value > _INT64_MAX else value


def _from_db(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


@final
class SQLiteCursorStore:
    """Cursors in the SQLite file at *path* (created if missing).

    Args:
        path: the database file; its directory must exist.  Several bots may share a
            file with different *namespace* values.
        namespace: separates the cursors of different bots in one file (default: one bot).

    Raises:
        ConfigurationError: *path* is empty.
    """

    def __init__(self, path: str | os.PathLike[str], *, namespace: str = "default") -> None:
        if not os.fspath(path):
            raise ConfigurationError("SQLiteCursorStore needs a file path")
        self._path = os.fspath(path)
        self._namespace = namespace
        self._conn: sqlite3.Connection | None = None
        self._lock = trio.Lock()
        self._closed = False
        self.saves = 0

    def __repr__(self) -> str:
        return f"<SQLiteCursorStore path={self._path!r} namespace={self._namespace!r}>"

    @property
    def path(self) -> str:
        return self._path

    def _open(self) -> sqlite3.Connection:
        conn = self._conn
        if conn is None:
            conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(_SCHEMA)
            self._conn = conn
        return conn

    def _load_sync(self) -> list[Cursor]:
        rows = self._open().execute(
            "SELECT channel_id, clan_id, message_id FROM mezon_cursors WHERE namespace = ?",
            (self._namespace,),
        )
        return [Cursor(_from_db(ch), _from_db(clan), _from_db(mid)) for ch, clan, mid in rows]

    def _save_sync(self, cursors: Sequence[Cursor]) -> None:
        conn = self._open()
        ns = self._namespace
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                _UPSERT,
                [(ns, _to_db(c.channel_id), _to_db(c.clan_id), _to_db(c.message_id)) for c in cursors],
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    async def _run(self, what: str, fn: object, *args: object) -> object:
        if self._closed:
            raise MezonError(f"cursor store {self._path!r} is closed")
        async with self._lock:
            try:
                # Not abandoned on cancel: a started transaction finishes before Cancelled propagates.
                return await trio.to_thread.run_sync(fn, *args)  # type: ignore[arg-type]
            except sqlite3.Error as exc:
                raise MezonError(f"cursor store {self._path!r}: {what} failed: {exc}") from exc

    async def load(self) -> Sequence[Cursor]:
        """Every cursor of this namespace.

        Raises:
            MezonError: the file cannot be opened or read.
        """
        result = await self._run("load", self._load_sync)
        assert isinstance(result, list)
        return result

    async def save(self, cursors: Sequence[Cursor]) -> None:
        """Write a batch in one transaction (ids never go back).

        Raises:
            MezonError: the write failed.
        """
        if cursors:
            await self._run("save", self._save_sync, list(cursors))
            self.saves += 1

    async def aclose(self) -> None:
        """Close the file (idempotent)."""
        if self._closed:
            return
        async with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
            if conn is not None:
                await trio.to_thread.run_sync(conn.close)
