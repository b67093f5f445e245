"""Attachments (``api.MessageAttachment``, docs/protocol.md §6.4).

Bots reference files that are already hosted somewhere (``url``); all eight fields
of the protobuf message are passed through unchanged.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Self, final

from .._proto.mezon import api
from .wire import check_int32

__all__ = ["Attachment"]


@final
@dataclass(frozen=True, slots=True)
class Attachment:
    """A file shown with a message.

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

    def to_proto(self) -> api.MessageAttachment:
        """Convert to the generated ``mezon.api.MessageAttachment``."""
        return api.MessageAttachment(
            filename=self.filename,
            size=self.size,
            url=self.url,
            filetype=self.filetype,
            width=self.width,
            height=self.height,
            thumbnail=self.thumbnail,
            duration=self.duration,
        )

    @classmethod
    def from_proto(cls, message: api.MessageAttachment) -> Self:
        """Build from a received ``mezon.api.MessageAttachment``."""
        return cls(
            url=message.url,
            filename=message.filename,
            filetype=message.filetype,
            size=message.size,
            width=message.width,
            height=message.height,
            thumbnail=message.thumbnail,
            duration=message.duration,
        )
