"""Acceptance: a 50 MB upload adds less than 20 MB of resident memory (the file is streamed).

The sandbox runs in the same process but stores uploads on disk, so the figure is the
client's (plus the server's per-request buffers). RSS is sampled from /proc/self/status at
every progress report (each 256 KiB chunk), and the kernel's peak (VmHWM) is reset first
where /proc/self/clear_refs allows it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest
import trio

from mezon_trio._services.uploads import Uploads

from ..api._helpers import bot

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")

SIZE = 50 * 1024 * 1024
LIMIT = 20 * 1024 * 1024


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@pytest.mark.parametrize("multipart", [True, False], ids=["multipart", "single-put"])
async def test_a_50_mb_upload_adds_less_than_20_mb_of_rss(tmp_path: Path, multipart: bool) -> None:
    path = tmp_path / "video.bin"
    block = os.urandom(1 << 20)
    with path.open("wb") as f:
        for _ in range(SIZE // len(block)):
            f.write(block)
    del block
    with trio.fail_after(120):
        async with bot() as (sb, client), httpx.AsyncClient() as http:
            uploads = Uploads(client.raw, http=http, multipart_threshold=SIZE if multipart else 2 * SIZE)
            await uploads.upload(b"warm-up")  # connections, code paths, first allocations
            baseline = _status_kib("VmRSS")
            peak_resettable = _reset_peak()
            highest = baseline

            def sample(sent: int, total: int) -> None:
                nonlocal highest
                highest = max(highest, _status_kib("VmRSS"))

            att = await uploads.upload(path, progress=sample)
            if peak_resettable:
                highest = max(highest, _status_kib("VmHWM"))
            assert att.size == SIZE
            assert (
                len([r for r in sb.received if r.kind == "MultipartUploadAttachmentFileStart"]) == multipart
            )
            [stored] = [f for f in sb.features.uploads.stored() if f.size == SIZE]
            assert stored.path.stat().st_size == SIZE
            added = (highest - baseline) * 1024
            mib = added / 2**20
            print(f"50 MB upload, multipart={multipart}: +{mib:.1f} MiB RSS (peak reset: {peak_resettable})")  # noqa: T201
            assert added < LIMIT, f"the upload added {added / 2**20:.1f} MiB of RSS"
