"""File uploads: the upload RPC, then an HTTP PUT of the bytes, then an attachment value.

Flow (docs/features.md, "File uploads"):

1. ``UploadAttachmentFile`` (``api.UploadAttachmentRequest{filename, filetype, size, width,
   height}`` → ``api.UploadAttachment{filename, url}``): ``url`` is where to PUT the bytes.
   Files of ``multipart_threshold`` bytes or more use ``MultipartUploadAttachmentFileStart``
   (the same request with ``part_count``) → ``api.MultipartUploadAttachment{urls, upload_id}``,
   one PUT per part (its ``ETag`` answer header kept), then
   ``MultipartUploadAttachmentFileFinish`` (``api.MultipartUploadAttachmentFinishRequest``)
   → ``api.UploadAttachment``.
2. PUT with ``Content-Length`` and ``Content-Type`` and **no** credentials: the URL is
   pre-signed, and the session token must never reach a storage host.
3. The attachment's ``url`` is the PUT URL without its query (the signature); for multipart
   uploads, the ``url`` of the finish answer.

Memory: files are never read whole. Paths and file objects are read ``chunk_size`` bytes at
a time (in a worker thread) while the PUT writes them; ``bytes`` are sent in slices.
Images (PNG, JPEG, GIF, WebP) get ``width`` and ``height`` from their header (:mod:`.imagesize`).

Progress: ``progress(sent, total)``, a plain synchronous callable, is called from the
uploading task after each chunk is handed to the connection (and once with ``(0, total)``
first). To observe it from another task, send into a trio memory channel with
``send_nowait`` from the callback. An exception raised by the callback aborts the upload.

Failures: :meth:`Uploads.upload_all` uploads every file before returning, so a caller that
posts a message with the result (``send(..., files=...)``) posts nothing when any upload
fails. Bytes already stored for the files that did succeed stay on the server (the API has
no call to delete them) but are referenced by no message.
"""

from __future__ import annotations

import io
import math
import mimetypes
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, TypeAlias, cast
from urllib.parse import urlsplit, urlunsplit

import httpx
import trio

from .._content.attachments import Attachment
from .._proto.mezon import api
from ..errors import ConfigurationError, ContentError, ProtocolError
from .base import RpcCaller, http_error, status_error
from .imagesize import HEAD_SIZE, MAX_HEAD_SIZE, sniff

__all__ = ["FileInput", "Progress", "UploadFile", "Uploads", "attachment_url"]

#: A file to upload: a path, the bytes themselves, a binary file object opened for reading
#: (read from its current position to its end; it must be seekable), or an :class:`UploadFile`.
FileInput: TypeAlias = "str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO | UploadFile"
#: ``progress(sent, total)``: bytes handed to the connection so far, and the total to send.
Progress: TypeAlias = Callable[[int, int], None]

_MAX_INT32: Final = 2**31 - 1
_DEFAULT_NAME: Final = "file"


@dataclass(frozen=True, slots=True)
class UploadFile:
    """A file with an explicit name and/or MIME type (otherwise taken from the path or the bytes)."""

    source: str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO
    filename: str | None = None
    filetype: str | None = None


def attachment_url(put_url: str) -> str:
    """The public address of an uploaded file: its pre-signed PUT URL without query and fragment."""
    parts = urlsplit(put_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


# ---------------------------------------------------------------------- sources


class _Source:
    """One file to send: its size, name, head bytes and a way to read any byte range."""

    size: int
    name: str

    async def head(self, n: int) -> bytes:
        raise NotImplementedError

    def reader(self, start: int, length: int, chunk_size: int) -> _ChunkReader:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


class _BytesSource(_Source):
    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._data = memoryview(data).cast("B")
        self.size = len(self._data)
        self.name = ""

    async def head(self, n: int) -> bytes:
        return bytes(self._data[:n])

    def reader(self, start: int, length: int, chunk_size: int) -> _ChunkReader:
        data = self._data[start : start + length]

        async def read(offset: int, n: int) -> bytes:
            return bytes(data[offset : offset + n])

        return _ChunkReader(read, length, chunk_size)


class _FileSource(_Source):
    """A seekable binary file object, read (in a worker thread) from its position at the start.

    *owned*: opened here from a path, closed here; otherwise the caller's file, whose
    position is restored at the end.
    """

    def __init__(self, file: BinaryIO, name: str, *, owned: bool = False) -> None:
        self._file = file
        self._owned = owned
        self.name = name
        try:
            self._start = file.tell()
            end = file.seek(0, io.SEEK_END)
            file.seek(self._start)
        except (OSError, ValueError, AttributeError) as exc:
            raise ContentError(
                "file objects to upload must be seekable (or pass the bytes or a path)"
            ) from exc
        self.size = end - self._start

    @classmethod
    async def open(cls, path: Path) -> _FileSource:
        try:
            file = await trio.to_thread.run_sync(path.open, "rb")
        except OSError as exc:
            raise ContentError(f"cannot read {path.name!r}: {exc.strerror or exc}") from exc
        try:
            return cls(file, path.name, owned=True)
        except BaseException:
            file.close()
            raise

    async def _read_at(self, offset: int, n: int) -> bytes:
        file = self._file

        def read() -> bytes:
            file.seek(self._start + offset)
            return file.read(n)

        return await trio.to_thread.run_sync(read)

    async def head(self, n: int) -> bytes:
        return await self._read_at(0, min(n, self.size))

    def reader(self, start: int, length: int, chunk_size: int) -> _ChunkReader:
        async def read(offset: int, n: int) -> bytes:
            return await self._read_at(start + offset, n)

        return _ChunkReader(read, length, chunk_size)

    async def aclose(self) -> None:
        if self._owned:
            self._file.close()
        else:
            self._file.seek(self._start)  # as the caller gave it


class _ChunkReader:
    """``length`` bytes read ``chunk_size`` at a time; a file that shrinks mid-upload is an error."""

    def __init__(self, read: Callable[[int, int], Awaitable[bytes]], length: int, chunk_size: int) -> None:
        self._read = read
        self.length = length
        self._chunk_size = chunk_size
        self.offset = 0

    async def next_chunk(self) -> bytes | None:
        if self.offset >= self.length:
            return None
        n = min(self._chunk_size, self.length - self.offset)
        data = await self._read(self.offset, n)
        if len(data) != n:
            raise ContentError("the file changed size while it was being uploaded")
        self.offset += n
        return data


class _PutBody(httpx.AsyncByteStream):
    """A PUT body iterated without an async generator (see ``_transport/rest.py``'s ``_Body``)."""

    def __init__(self, reader: _ChunkReader, on_chunk: Callable[[int], None]) -> None:
        self._reader = reader
        self._on_chunk = on_chunk

    def __aiter__(self) -> AsyncIterator[bytes]:
        return _PutIter(self._reader, self._on_chunk)


class _PutIter:
    __slots__ = ("_on_chunk", "_reader")

    def __init__(self, reader: _ChunkReader, on_chunk: Callable[[int], None]) -> None:
        self._reader = reader
        self._on_chunk = on_chunk

    def __aiter__(self) -> _PutIter:
        return self

    async def __anext__(self) -> bytes:
        if self._reader.offset:  # the previous chunk has been written by now
            self._on_chunk(self._reader.offset)
        data = await self._reader.next_chunk()
        if data is None:
            raise StopAsyncIteration
        return data


async def _open_source(item: FileInput) -> tuple[_Source, str | None, str | None]:
    """(source, explicit filename, explicit filetype)."""
    filename: str | None = None
    filetype: str | None = None
    source: object = item
    if isinstance(item, UploadFile):
        source, filename, filetype = item.source, item.filename, item.filetype
    return await _source_of(source), filename, filetype


async def _source_of(item: object) -> _Source:
    if isinstance(item, (bytes, bytearray, memoryview)):
        return _BytesSource(item)
    if isinstance(item, (str, os.PathLike)):
        return await _FileSource.open(Path(item))
    if isinstance(item, io.TextIOBase):
        raise ContentError("open files for upload in binary mode ('rb')")
    if hasattr(item, "read") and hasattr(item, "seek"):
        raw_name = getattr(item, "name", "")
        name = os.path.basename(raw_name) if isinstance(raw_name, str) else ""
        return _FileSource(cast(BinaryIO, item), name)
    raise ContentError(f"cannot upload a {type(item).__name__}: give a path, bytes or a binary file object")


# ---------------------------------------------------------------------- the service


class Uploads:
    """Upload files and get :class:`~mezon_trio.content.Attachment` values to send.

    Args:
        rpc: calls the upload RPCs with the bot's session (``MezonClient`` satisfies it).
        http: the ``httpx.AsyncClient`` for the PUTs; it must not add credentials of its own
            (no default ``Authorization`` header, no ``auth``).
        chunk_size: bytes read and written at a time (memory per upload is about this).
        multipart_threshold: files this large or larger are sent in parts.
        part_size: bytes per part of a multipart upload.
        put_timeout: seconds without progress after which a PUT fails (per read/write).

    Raises:
        ConfigurationError: a size is not positive.
    """

    def __init__(
        self,
        rpc: RpcCaller,
        *,
        http: httpx.AsyncClient,
        chunk_size: int = 256 * 1024,
        multipart_threshold: int = 32 * 1024 * 1024,
        part_size: int = 16 * 1024 * 1024,
        put_timeout: float = 60.0,
    ) -> None:
        if min(chunk_size, multipart_threshold, part_size) < 1 or put_timeout <= 0:
            raise ConfigurationError("chunk_size, multipart_threshold, part_size and put_timeout must be > 0")
        self._rpc = rpc
        self._http = http
        self._chunk_size = chunk_size
        self._multipart_threshold = multipart_threshold
        self._part_size = part_size
        self._timeout = httpx.Timeout(put_timeout)

    async def upload(
        self,
        file: FileInput,
        *,
        filename: str | None = None,
        filetype: str | None = None,
        progress: Progress | None = None,
    ) -> Attachment:
        """Upload one file; return its attachment (url, filename, MIME type, size, image size).

        Raises:
            ContentError: unreadable or unsupported input, empty file, larger than 2 GiB - 1,
                or the file changed size during the upload.
            APIError subclass: the RPC or a PUT was refused.
            TransportError subclass: the storage host could not be reached or dropped the PUT.
            ProtocolError: the server's answer is unusable (no URL, wrong number of part URLs).
        """
        if filename is not None or filetype is not None:
            file = UploadFile(file.source if isinstance(file, UploadFile) else file, filename, filetype)
        [attachment] = await self.upload_all([file], progress=progress)
        return attachment

    async def upload_all(
        self, files: Iterable[FileInput], *, progress: Progress | None = None
    ) -> list[Attachment]:
        """Upload *files* one after the other; return their attachments in order.

        Nothing is returned unless every upload succeeded (see the module notes on failures).
        ``progress(sent, total)`` counts the bytes of all the files together.

        Raises:
            Same as :meth:`upload`.
        """
        opened: list[tuple[_Source, str | None, str | None]] = []
        try:
            for item in files:
                opened.append(await _open_source(item))
            total = sum(source.size for source, _, _ in opened)
            done = 0
            report = progress or (lambda sent, total: None)
            report(0, total)
            attachments = []
            for source, name, ftype in opened:
                base = done

                def on_bytes(sent: int, base: int = base) -> None:
                    report(base + sent, total)

                attachments.append(await self._upload_one(source, name, ftype, on_bytes))
                done += source.size
            return attachments
        finally:
            for source, _, _ in opened:
                await source.aclose()

    async def _upload_one(
        self, source: _Source, filename: str | None, filetype: str | None, on_bytes: Callable[[int], None]
    ) -> Attachment:
        size = source.size
        if size <= 0:
            raise ContentError("cannot upload an empty file")
        if size > _MAX_INT32:
            raise ContentError(f"files larger than {_MAX_INT32} bytes cannot be attached (int32 size)")
        head = await source.head(HEAD_SIZE)
        info = sniff(head, complete=len(head) >= size)
        if info is not None and info.needs_more:
            head = await source.head(MAX_HEAD_SIZE)
            info = sniff(head, complete=True)
        name = filename or source.name or _default_name(info.mime if info else None)
        mime = (
            filetype
            or (info.mime if info else None)
            or mimetypes.guess_type(name)[0]
            or "application/octet-stream"
        )
        width, height = (info.width, info.height) if info else (0, 0)
        request = api.UploadAttachmentRequest(
            filename=name, filetype=mime, size=size, width=width, height=height
        )
        if size >= self._multipart_threshold:
            url = await self._multipart(source, request, mime, on_bytes)
        else:
            answer = await self._rpc.rpc("UploadAttachmentFile", request, api.UploadAttachment)
            if not answer.url:
                raise ProtocolError("UploadAttachmentFile: the answer has no upload URL")
            await self._put(answer.url, source.reader(0, size, self._chunk_size), mime, on_bytes)
            url = attachment_url(answer.url)
            name = answer.filename or name
        return Attachment(url, filename=name, filetype=mime, size=size, width=width, height=height)

    async def _multipart(
        self,
        source: _Source,
        request: api.UploadAttachmentRequest,
        mime: str,
        on_bytes: Callable[[int], None],
    ) -> str:
        size = source.size
        count = math.ceil(size / self._part_size)
        request.part_count = count
        start = await self._rpc.rpc(
            "MultipartUploadAttachmentFileStart", request, api.MultipartUploadAttachment
        )
        if len(start.urls) != count or not start.upload_id:
            raise ProtocolError(
                f"MultipartUploadAttachmentFileStart: expected {count} part URLs and an upload id,"
                f" got {len(start.urls)} URLs"
            )
        parts: list[api.MultipartUploadAttachmentPart] = []
        for index, url in enumerate(start.urls):
            offset = index * self._part_size
            length = min(self._part_size, size - offset)
            reader = source.reader(offset, length, self._chunk_size)

            def on_part_bytes(sent: int, offset: int = offset) -> None:
                on_bytes(offset + sent)

            etag = await self._put(url, reader, mime, on_part_bytes)
            parts.append(api.MultipartUploadAttachmentPart(part_number=index + 1, e_tag=etag))
        finish = await self._rpc.rpc(
            "MultipartUploadAttachmentFileFinish",
            api.MultipartUploadAttachmentFinishRequest(
                upload_id=start.upload_id, parts=parts, filename=start.filename or request.filename
            ),
            api.UploadAttachment,
        )
        if not finish.url:
            raise ProtocolError("MultipartUploadAttachmentFileFinish: the answer has no URL")
        return attachment_url(finish.url)

    async def _put(self, url: str, reader: _ChunkReader, mime: str, on_bytes: Callable[[int], None]) -> str:
        """PUT *reader*'s bytes to *url*; return the answer's ETag (may be empty)."""
        operation = "upload PUT"
        headers = {"Content-Length": str(reader.length), "Content-Type": mime}
        try:
            response = await self._http.put(
                url, content=_PutBody(reader, on_bytes), headers=headers, timeout=self._timeout
            )
        except httpx.HTTPError as exc:
            raise http_error(exc, operation) from exc
        if not response.is_success:
            raise status_error(response, operation)
        etag: str = response.headers.get("etag", "")
        return etag


def _default_name(mime: str | None) -> str:
    extension = mimetypes.guess_extension(mime) if mime else None
    return _DEFAULT_NAME + (extension or "")
