"""Image dimensions and MIME types from a file's first bytes (PNG, JPEG, GIF, WebP).

No image library: each format keeps its size in a fixed header (PNG ``IHDR``, GIF
logical screen, WebP ``VP8 ``/``VP8L``/``VP8X`` chunk) or, for JPEG, in the first
start-of-frame segment, found by walking the segment list from the start.
:func:`sniff` looks at a prefix only; a JPEG whose frame header lies beyond the
prefix (large EXIF or ICC blocks) reports ``needs_more`` so the caller can retry
with a longer prefix.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

__all__ = ["HEAD_SIZE", "MAX_HEAD_SIZE", "ImageInfo", "sniff", "sniff_mime"]

#: Prefix read first; enough for every format unless a JPEG carries big metadata.
HEAD_SIZE: Final = 64 * 1024
#: Longest prefix worth reading for a JPEG frame header.
MAX_HEAD_SIZE: Final = 1024 * 1024

_PNG_SIG: Final = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC).
_SOF: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field.
_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD9)})


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What :func:`sniff` found: the MIME type, and the size in pixels (0 when unknown)."""

    mime: str
    width: int = 0
    height: int = 0
    needs_more: bool = False


def sniff_mime(head: bytes) -> str | None:
    """The image MIME type that *head* starts with, or None."""
    if head.startswith(_PNG_SIG):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def sniff(head: bytes, *, complete: bool = False) -> ImageInfo | None:
    """Parse an image header from *head* (a prefix of the file; *complete*: the whole file).

    Returns None when *head* is not one of the four formats; an :class:`ImageInfo`
    with zero sizes when the header is truncated or malformed (and ``needs_more``
    when a longer prefix could still give the size).
    """
    mime = sniff_mime(head)
    if mime is None:
        return None
    size: tuple[int, int] | None
    if mime == "image/png":
        size = _png(head)
    elif mime == "image/gif":
        size = _gif(head)
    elif mime == "image/webp":
        size = _webp(head)
    else:
        size, truncated = _jpeg(head)
        if size is None and truncated and not complete:
            return ImageInfo(mime, needs_more=True)
    if size is None:
        return ImageInfo(mime)
    return ImageInfo(mime, *size)


def _png(head: bytes) -> tuple[int, int] | None:
    # signature, then the IHDR chunk: length(4) "IHDR" width(4) height(4), big-endian
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _gif(head: bytes) -> tuple[int, int] | None:
    if len(head) < 10:
        return None
    width, height = struct.unpack("<HH", head[6:10])
    return width, height


def _webp(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    data = head[20:]
    if chunk == b"VP8 " and len(data) >= 10 and data[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[6:10])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 5 and data[0] == 0x2F:
        bits = int.from_bytes(data[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 10:
        width = int.from_bytes(data[4:7], "little") + 1
        height = int.from_bytes(data[7:10], "little") + 1
        return width, height
    return None


def _jpeg(head: bytes) -> tuple[tuple[int, int] | None, bool]:
    """(size, truncated): walk the segments after SOI up to the first SOF."""
    pos = 2
    n = len(head)
    while True:
        while pos < n and head[pos] != 0xFF:  # garbage between segments: skip to a marker
            pos += 1
        while pos < n and head[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            return None, True
        marker = head[pos]
        pos += 1
        if marker in _STANDALONE:
            continue
        if marker in (0xD9, 0xDA):  # end of image / start of scan before any frame header
            return None, False
        if pos + 2 > n:
            return None, True
        (length,) = struct.unpack(">H", head[pos : pos + 2])
        if length < 2:
            return None, False
        if marker in _SOF:
            if pos + 7 > n:
                return None, True
            height, width = struct.unpack(">HH", head[pos + 3 : pos + 7])
            return (width, height), False
        pos += length
