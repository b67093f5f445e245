"""File uploads end to end against the sandbox: RPC, PUT to the returned URL, attachment values,
multipart, progress, failures that leave nothing behind."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from mezon_trio import MezonClient
from mezon_trio._services.uploads import UploadFile, Uploads
from mezon_trio.content import Attachment
from mezon_trio.errors import ContentError, ServerError
from mezon_trio.models import ChannelStreamMode
from mezon_trio.testing import Sandbox

from ..api._helpers import bot, received
from ._helpers import gif, jpeg, png


@asynccontextmanager
async def uploads_for(
    **kwargs: Any,
) -> AsyncIterator[tuple[Sandbox, MezonClient, Uploads, list[httpx.Request]]]:
    """A sandbox, the bot logged in, an Uploads service, and every request its HTTP client made."""
    seen: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request)

    async with bot() as (sb, client), httpx.AsyncClient(event_hooks={"request": [hook]}) as http:
        yield sb, client, Uploads(client.raw, http=http, **kwargs), seen


async def fetch(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(url)


async def test_bytes_image_upload_fills_the_attachment_and_is_served_back() -> None:
    with trio.fail_after(20):
        async with uploads_for() as (sb, client, uploads, seen):
            data = png(640, 480, extra=5000)
            att = await uploads.upload(data, filename="chart.png")
            assert isinstance(att, Attachment)
            assert (att.filename, att.filetype, att.size, att.width, att.height) == (
                "chart.png",
                "image/png",
                len(data),
                640,
                480,
            )
            assert att.url.startswith(sb.http_url + "/uploads/")
            assert "?" not in att.url  # the signature is not part of the public address
            [call] = received(sb, "UploadAttachmentFile")
            assert (call.payload.filename, call.payload.size, call.payload.width) == (
                "chart.png",
                len(data),
                640,
            )
            served = await fetch(att.url)
            assert served.status_code == 200
            assert served.content == data
            assert served.headers["content-type"] == "image/png"
            # The PUT went to the pre-signed URL without the session token.
            puts = [r for r in seen if r.method == "PUT"]
            assert len(puts) == 1
            assert "authorization" not in puts[0].headers
            assert puts[0].headers["content-length"] == str(len(data))
            # and the attachment goes out with a message, all fields kept
            mode = ChannelStreamMode.STREAM_MODE_CHANNEL
            await client.send_message(sb.clan_id, sb.channel_id, mode, True, "see", attachments=[att])
            stored = sb.messages(sb.channel_id)[-1]
            assert stored.attachments == (att,)


async def test_paths_file_objects_and_explicit_names(tmp_path: Path) -> None:
    with trio.fail_after(20):
        async with uploads_for() as (sb, _client, uploads, _seen):
            notes = tmp_path / "notes.txt"
            notes.write_bytes(b"hello\n" * 100)
            photo = tmp_path / "photo.jpg"
            photo.write_bytes(jpeg(1920, 1080) + bytes(1000))
            buffer = io.BytesIO(b"skip-me" + gif(31, 7))
            buffer.seek(7)  # read from the current position
            atts = await uploads.upload_all(
                [
                    notes,
                    str(photo),
                    buffer,
                    UploadFile(b"\x00\x01binary", filename="blob.bin", filetype="x/y"),
                ]
            )
            assert [(a.filename, a.filetype, a.size, a.width, a.height) for a in atts] == [
                ("notes.txt", "text/plain", 600, 0, 0),
                ("photo.jpg", "image/jpeg", len(jpeg(1920, 1080)) + 1000, 1920, 1080),
                ("file.gif", "image/gif", len(gif(31, 7)), 31, 7),
                ("blob.bin", "x/y", 8, 0, 0),
            ]
            assert buffer.tell() == 7  # the caller's file position is left as it was
            assert (await fetch(atts[0].url)).content == notes.read_bytes()
            assert (await fetch(atts[2].url)).content == gif(31, 7)
            assert len(sb.features.uploads.stored()) == 4


async def test_bad_inputs() -> None:
    with trio.fail_after(20):
        async with uploads_for() as (sb, _client, uploads, _seen):
            with pytest.raises(ContentError, match="empty"):
                await uploads.upload(b"")
            with pytest.raises(ContentError, match="binary mode"):
                await uploads.upload(io.StringIO("text"))  # type: ignore[arg-type]
            with pytest.raises(ContentError, match="cannot read"):
                await uploads.upload(Path("/nonexistent/file.bin"))
            with pytest.raises(ContentError, match="cannot upload a int"):
                await uploads.upload(42)  # type: ignore[arg-type]
            assert received(sb, "UploadAttachmentFile") == []


async def test_multipart_upload_and_progress() -> None:
    with trio.fail_after(20):
        async with uploads_for(multipart_threshold=1000, part_size=400, chunk_size=128) as (sb, _c, up, seen):
            data = os.urandom(2500)
            reports: list[tuple[int, int]] = []
            att = await up.upload(data, filename="big.bin", progress=lambda s, t: reports.append((s, t)))
            assert att.size == 2500
            assert att.filetype == "application/octet-stream"
            [start] = received(sb, "MultipartUploadAttachmentFileStart")
            assert start.payload.part_count == 7
            [finish] = received(sb, "MultipartUploadAttachmentFileFinish")
            assert [p.part_number for p in finish.payload.parts] == list(range(1, 8))
            assert all(p.e_tag for p in finish.payload.parts)
            assert len([r for r in seen if r.method == "PUT"]) == 7
            assert (await fetch(att.url)).content == data
            # progress: starts at 0, never goes back, ends at the total
            assert reports[0] == (0, 2500)
            assert reports[-1] == (2500, 2500)
            sent = [s for s, _ in reports]
            assert sent == sorted(sent)
            assert len(reports) > 7  # per chunk, not per part


async def test_a_failed_upload_posts_nothing_and_stores_nothing_partial() -> None:
    with trio.fail_after(20):
        async with uploads_for() as (sb, client, uploads, _seen):
            before = len(sb.messages(sb.channel_id))
            first_ok = b"first file"
            # the second file's PUT is refused by the storage
            uploads_store = sb.features.uploads

            def refuse_second(sent: int, total: int) -> None:
                if sent >= len(first_ok) and not uploads_store.fail_puts and len(uploads_store.stored()) == 1:
                    uploads_store.fail_puts.append(500)

            async def send_with_files() -> None:
                atts = await uploads.upload_all([first_ok, b"second file"], progress=refuse_second)
                mode = ChannelStreamMode.STREAM_MODE_CHANNEL
                await client.send_message(sb.clan_id, sb.channel_id, mode, True, "files", attachments=atts)

            with pytest.raises(ServerError):
                await send_with_files()
            assert len(sb.messages(sb.channel_id)) == before
            assert len(uploads_store.stored()) == 1
            assert list(uploads_store.directory().glob("*.incoming")) == []


async def test_a_cancelled_upload_leaves_no_partial_file(tmp_path: Path) -> None:
    with trio.fail_after(20):
        async with uploads_for(chunk_size=64 * 1024) as (sb, _client, uploads, _seen):
            path = tmp_path / "large.bin"
            path.write_bytes(os.urandom(4 << 20))
            with trio.CancelScope() as scope:

                def cancel_midway(sent: int, total: int) -> None:
                    if sent > total // 2:
                        scope.cancel()

                await uploads.upload(path, progress=cancel_midway)
            assert scope.cancelled_caught
            store = sb.features.uploads
            with trio.fail_after(5):  # the sandbox sees the connection end and discards the bytes
                while list(store.directory().iterdir()):  # noqa: ASYNC110 - polling the file system
                    await trio.sleep(0.01)
            assert store.stored() == []
