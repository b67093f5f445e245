"""Attachments (docs/protocol.md §6.4).

Bots reference files that are already hosted somewhere (``url``).  :class:`Attachment` is the
one attachment type: the builders take it, received messages give it, send methods accept it
(re-exported by :mod:`mezon_trio.models`).  Its conversions to the wire message are in
:mod:`mezon_trio._models.proto`.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import final

from .wire import check_int32

__all__ = ["Attachment"]


@final
@dataclass(frozen=True, slots=True)
class Attachment:
    """A file shown with a message, already hosted at ``url``.

    Attributes:
        url: where the file is hosted.
        filename: the name shown to users.
        filetype: the MIME type (``"image/png"``), which picks the preview.
        size: bytes.
        width: pixels (images, videos).
        height: pixels (images, videos).
        thumbnail: URL of a preview image.
        duration: seconds (audio, video).

    Raises:
        ContentError: a numeric field does not fit the protobuf ``int32``.
    """

    url: str
    _: KW_ONLY
    filename: str = ""
    filetype: str = ""
    size: int = 0
    width: int = 0
    height: int = 0
    thumbnail: str = ""
    duration: int = 0

    def __post_init__(self) -> None:
        for name in ("size", "width", "height", "duration"):
            check_int32(getattr(self, name), name)
