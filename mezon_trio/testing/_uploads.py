"""Sandbox file storage: pre-signed PUT URLs, single and multipart uploads, files served back.

URLs (docs/features.md, "File uploads"; sandbox decisions):

* ``UploadAttachmentFile`` → ``PUT {http}/uploads/<key>/<filename>?sig=<hmac>``; the file is
  then served by ``GET {http}/uploads/<key>/<filename>`` (the same URL without its query).
* ``MultipartUploadAttachmentFileStart`` → one URL per part, ``...?part=<n>&sig=<hmac>``;
  each PUT answers an ``ETag`` (quoted MD5 of the part); ``MultipartUploadAttachmentFileFinish``
  checks the ETags and the total size, joins the parts and answers the file's URL.

A PUT must carry a valid signature (403), a ``Content-Length`` equal to the declared size
(single uploads; 400), and arrive whole: a body cut short stores nothing. Bytes go to a
temporary directory (removed when the sandbox closes), never into memory, so a sandbox in
the test process does not distort memory measurements of the client.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import shutil
import tempfile
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, unquote

import trio

__all__ = ["StoredFile", "UploadStore", "serve_upload"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PREFIX: Final = "/uploads/"
#: Largest declared file (the protobuf size field is an int32).
MAX_FILE_SIZE: Final = 2**31 - 1
_CHUNK: Final = 256 * 1024


@dataclass(frozen=True, slots=True)
class StoredFile:
    """An uploaded file: its owner, name, MIME type, size and where the sandbox keeps it."""

    key: str
    owner_id: int
    filename: str
    filetype: str
    size: int
    path: Path


@dataclass
class _Pending:
    key: str
    owner_id: int
    filename: str
    filetype: str
    size: int
    part_count: int = 0  # 0: single PUT
    upload_id: str = ""
    parts: dict[int, tuple[Path, str, int]] = field(default_factory=dict)  # n -> (path, etag, size)


class UploadStore:
    """Uploads of one sandbox. ``files`` holds completed files by key."""

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(16)
        self._dir: Path | None = None
        self._counter = 0
        self.pending: dict[str, _Pending] = {}
        self.multipart: dict[str, _Pending] = {}  # upload id -> pending
        self.files: dict[str, StoredFile] = {}
        #: Scripting: the next *n* PUTs are answered with this status (0: none).
        self.fail_puts: list[int] = []

    # ------------------------------------------------------------------ bookkeeping

    def directory(self) -> Path:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="mezon-sandbox-uploads-"))
        return self._dir

    def close(self) -> None:
        """Delete every stored byte (the sandbox is closing)."""
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self.pending.clear()
        self.multipart.clear()
        self.files.clear()

    def _sign(self, key: str, part: int) -> str:
        return hmac.new(self._secret, f"{key}:{part}".encode(), hashlib.sha256).hexdigest()[:32]

    def public_url(self, base: str, key: str, filename: str) -> str:
        return f"{base}{PREFIX}{key}/{quote(filename, safe='')}"

    def begin(
        self, base: str, owner_id: int, filename: str, filetype: str, size: int, part_count: int = 0
    ) -> tuple[_Pending, list[str]]:
        """Register an upload; return it and its PUT URL(s)."""
        self._counter += 1
        key = f"{self._counter}-{secrets.token_hex(4)}"
        pending = _Pending(key, owner_id, filename, filetype, size, part_count)
        url = self.public_url(base, key, filename)
        if part_count:
            pending.upload_id = f"mpu-{key}"
            self.multipart[pending.upload_id] = pending
            urls = [f"{url}?part={n}&sig={self._sign(key, n)}" for n in range(1, part_count + 1)]
        else:
            urls = [f"{url}?sig={self._sign(key, 0)}"]
        self.pending[key] = pending
        return pending, urls

    async def finish(self, upload_id: str, owner_id: int, etags: dict[int, str]) -> StoredFile:
        """Join the parts of a multipart upload.

        Raises:
            LookupError: unknown upload id (or another user's).
            ValueError: missing parts, wrong ETags or a total size other than the declared one.
        """
        pending = self.multipart.get(upload_id)
        if pending is None or pending.owner_id != owner_id:
            raise LookupError(upload_id)
        wanted = set(range(1, pending.part_count + 1))
        if set(etags) != wanted or set(pending.parts) != wanted:
            raise ValueError("every part must be uploaded and listed exactly once")
        for n, etag in etags.items():
            if etag.strip('"') != pending.parts[n][1].strip('"'):
                raise ValueError(f"part {n}: ETag does not match")
        total = sum(size for _, _, size in pending.parts.values())
        if total != pending.size:
            raise ValueError(f"the parts hold {total} bytes, {pending.size} were declared")
        target = self.directory() / pending.key
        async with await trio.open_file(target, "wb") as out:
            for n in sorted(pending.parts):
                async with await trio.open_file(pending.parts[n][0], "rb") as part:
                    while chunk := await part.read(_CHUNK):
                        await out.write(chunk)
        for path, _, _ in pending.parts.values():
            path.unlink(missing_ok=True)
        del self.multipart[upload_id]
        del self.pending[pending.key]
        stored = StoredFile(pending.key, owner_id, pending.filename, pending.filetype, pending.size, target)
        self.files[pending.key] = stored
        return stored

    def stored(self) -> list[StoredFile]:
        """Completed uploads, oldest first."""
        return list(self.files.values())

    def read(self, key: str) -> bytes:
        """The bytes of a stored file (tests; small files)."""
        return self.files[key].path.read_bytes()


async def serve_upload(
    store: UploadStore,
    method: str,
    path: str,
    query: dict[str, list[str]],
    headers: dict[str, str],
    receive: Receive,
    send: Send,
) -> None:
    """``PUT`` (store) or ``GET``/``HEAD`` (serve) ``/uploads/<key>/<filename>``."""
    key, _, name = path[len(PREFIX) :].partition("/")
    if method in ("GET", "HEAD"):
        stored = store.files.get(key)
        if stored is None or unquote(name) != stored.filename:
            await _plain(send, 404, b"no such file")
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-length", str(stored.size).encode()),
                    (b"content-type", stored.filetype.encode() or b"application/octet-stream"),
                ],
            }
        )
        if method == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        async with await trio.open_file(stored.path, "rb") as f:
            while True:
                chunk = await f.read(_CHUNK)
                await send({"type": "http.response.body", "body": chunk, "more_body": bool(chunk)})
                if not chunk:
                    break
        return
    if method != "PUT":
        await _plain(send, 405, b"GET, HEAD or PUT", allow=b"GET, HEAD, PUT")
        return
    pending = store.pending.get(key)
    part_text = query.get("part", ["0"])[0]
    part = int(part_text) if part_text.isdigit() else -1
    sig = query.get("sig", [""])[0]
    if pending is None or unquote(name) != pending.filename:
        await _plain(send, 404, b"no upload is expected at this URL")
        return
    if part < 0 or (part == 0) != (pending.part_count == 0) or part > pending.part_count:
        await _plain(send, 400, b"bad part number")
        return
    if not hmac.compare_digest(sig, store._sign(key, part)):
        await _plain(send, 403, b"bad signature")
        return
    length_text = headers.get("content-length", "")
    if not length_text.isdigit():
        await _plain(send, 411, b"Content-Length required")
        return
    length = int(length_text)
    if part == 0 and length != pending.size:
        await _plain(send, 400, f"{pending.size} bytes were declared, not {length}".encode())
        return
    if store.fail_puts:
        status = store.fail_puts.pop(0)
        await _plain(send, status, b"injected failure")
        return
    target = store.directory() / (f"{key}.part{part}" if part else f"{key}.incoming")
    digest = hashlib.md5(usedforsecurity=False)
    received = 0
    complete = False
    try:
        async with await trio.open_file(target, "wb") as out:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    break
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > length:
                    break
                digest.update(chunk)
                await out.write(chunk)
                if not message.get("more_body", False):
                    complete = received == length
                    break
    finally:
        if not complete:
            target.unlink(missing_ok=True)
    if not complete:
        await _plain(send, 400, b"the body does not match Content-Length")
        return
    etag = f'"{digest.hexdigest()}"'
    if part:
        old = pending.parts.get(part)
        if old is not None and old[0] != target:
            old[0].unlink(missing_ok=True)
        pending.parts[part] = (target, etag, received)
    else:
        final = store.directory() / key
        target.rename(final)
        del store.pending[key]
        store.files[key] = StoredFile(
            key, pending.owner_id, pending.filename, pending.filetype, received, final
        )
    await _plain(send, 200, b"", etag=etag.encode())


async def _plain(send: Send, status: int, body: bytes, **headers: bytes) -> None:
    raw = [(b"content-length", str(len(body)).encode()), (b"content-type", b"text/plain")]
    raw.extend((k.encode(), v) for k, v in headers.items())
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
