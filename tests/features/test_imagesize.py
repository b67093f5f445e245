"""Image headers parsed without an image library (PNG, JPEG, GIF, WebP)."""

from __future__ import annotations

import pytest

from mezon_trio._services.imagesize import HEAD_SIZE, sniff

from ._helpers import gif, jpeg, png, webp_vp8, webp_vp8l, webp_vp8x


@pytest.mark.parametrize(
    ("data", "mime", "size"),
    [
        (png(640, 480), "image/png", (640, 480)),
        (gif(31, 7), "image/gif", (31, 7)),
        (jpeg(1920, 1080), "image/jpeg", (1920, 1080)),
        (webp_vp8x(4000, 3000), "image/webp", (4000, 3000)),
        (webp_vp8l(123, 45), "image/webp", (123, 45)),
        (webp_vp8(300, 200), "image/webp", (300, 200)),
    ],
)
def test_sizes(data: bytes, mime: str, size: tuple[int, int]) -> None:
    info = sniff(data, complete=True)
    assert info is not None
    assert info.mime == mime
    assert (info.width, info.height) == size
    assert not info.needs_more


def test_not_an_image_and_truncated_headers() -> None:
    assert sniff(b"hello world") is None
    assert sniff(b"") is None
    truncated = sniff(png(10, 10)[:20])
    assert truncated is not None
    assert (truncated.mime, truncated.width, truncated.height) == ("image/png", 0, 0)


def test_jpeg_frame_header_beyond_the_prefix_asks_for_more() -> None:
    data = jpeg(800, 600, app_sizes=(60_000, 60_000))  # EXIF-like blocks longer than the first read
    assert len(data) > HEAD_SIZE
    head = sniff(data[:HEAD_SIZE])
    assert head is not None
    assert head.needs_more
    full = sniff(data, complete=True)
    assert full is not None
    assert (full.width, full.height) == (800, 600)


def test_jpeg_fill_bytes_and_standalone_markers() -> None:
    data = jpeg(10, 20)
    data = data[:2] + b"\xff\xff\xd0" + data[2:]  # fill bytes and an RST marker before APP1
    info = sniff(data, complete=True)
    assert info is not None
    assert (info.width, info.height) == (10, 20)
