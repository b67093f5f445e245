"""The sandbox's feature endpoints refuse what a storage / agent / media server would refuse."""

from __future__ import annotations

import httpx
import trio

from mezon_trio._proto.mezon import api
from mezon_trio.testing import open_sandbox

from ..sandbox.raw import bot_session, rpc


async def test_upload_urls_are_checked() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, httpx.AsyncClient() as http:
            token = (await bot_session(sb, http)).token
            answer = await rpc(
                http,
                sb.http_url,
                token,
                "UploadAttachmentFile",
                api.UploadAttachmentRequest(filename="a.txt", filetype="text/plain", size=5),
            )
            assert answer.status_code == 200
            url = api.UploadAttachment.parse(answer.content).url
            public = url.split("?")[0]
            assert (await http.put(public + "?sig=forged", content=b"hello")).status_code == 403
            assert (await http.put(url, content=b"too long!")).status_code == 400  # 5 bytes declared
            assert (await http.get(public)).status_code == 404  # nothing stored yet
            put = await http.put(url, content=b"hello")
            assert put.status_code == 200
            assert put.headers["etag"].startswith('"')
            assert (await http.put(url, content=b"hello")).status_code == 404  # a URL is used once
            got = await http.get(public)
            assert (got.status_code, got.content, got.headers["content-type"]) == (
                200,
                b"hello",
                "text/plain",
            )
            assert (await http.head(public)).headers["content-length"] == "5"
            assert (await http.delete(public)).status_code == 405
            bad = await rpc(
                http,
                sb.http_url,
                token,
                "UploadAttachmentFile",
                api.UploadAttachmentRequest(filename="", size=1),
            )
            assert bad.status_code == 400
            assert (await rpc(http, sb.http_url, None, "UploadAttachmentFile", b"")).status_code == 401


async def test_multipart_finish_checks_parts() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, httpx.AsyncClient() as http:
            token = (await bot_session(sb, http)).token
            start = await rpc(
                http,
                sb.http_url,
                token,
                "MultipartUploadAttachmentFileStart",
                api.UploadAttachmentRequest(filename="v.bin", size=6, part_count=2),
            )
            started = api.MultipartUploadAttachment.parse(start.content)
            assert len(started.urls) == 2
            first = await http.put(started.urls[0], content=b"abc")
            finish_req = api.MultipartUploadAttachmentFinishRequest(
                upload_id=started.upload_id,
                filename="v.bin",
                parts=[api.MultipartUploadAttachmentPart(part_number=1, e_tag=first.headers["etag"])],
            )
            missing = await rpc(http, sb.http_url, token, "MultipartUploadAttachmentFileFinish", finish_req)
            assert missing.status_code == 400
            second = await http.put(started.urls[1], content=b"def")
            finish_req.parts.append(api.MultipartUploadAttachmentPart(part_number=2, e_tag='"wrong"'))
            wrong = await rpc(http, sb.http_url, token, "MultipartUploadAttachmentFileFinish", finish_req)
            assert wrong.status_code == 400
            finish_req.parts[1].e_tag = second.headers["etag"]
            done = await rpc(http, sb.http_url, token, "MultipartUploadAttachmentFileFinish", finish_req)
            assert done.status_code == 200
            url = api.UploadAttachment.parse(done.content).url
            assert (await http.get(url)).content == b"abcdef"


async def test_agent_stream_and_playmedia_need_credentials() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, httpx.AsyncClient() as http:
            sse = f"{sb.http_url}/api/sse/metadata"
            assert (await http.get(sse, params={"appid": sb.bot.id, "token": "nope"})).status_code == 401
            assert (await http.get(sse)).status_code == 401
            assert (await http.post(sse)).status_code == 405
            media = f"{sb.http_url}/api/playmedia"
            body = {
                "room_name": "x",
                "participant_identity": "1",
                "participant_name": "b",
                "url": "https://a/b",
                "name": "n",
            }
            assert (await http.post(media, json=body)).status_code == 401
            token = (await bot_session(sb, http)).token
            auth = {"Authorization": f"Bearer {token}"}
            assert (await http.post(media, json={**body, "name": ""}, headers=auth)).status_code == 400
            assert (
                await http.post(media, json={**body, "url": "ftp://a/b"}, headers=auth)
            ).status_code == 400
            assert (await http.post(media, json=body, headers=auth)).status_code == 404  # no such room
            assert sb.features.media_plays == []
