"""Media citizens send through a channel: checked, then kept in the media storage
(``intake.storage``: a local folder under ``data_dir/media``, or S3) under a key.

The key (``ref``) is what tickets carry as attachments; it is chosen when the message arrives,
before the bytes are fetched in the background. Only pictures and audio of known formats are
kept, identified by their first bytes rather than by what the sender claims.
"""

from __future__ import annotations

from hotline.settings import Settings
from intake.storage import storage_for

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"#!AMR\n", "audio/amr"),
    (b"#!AMR-WB\n", "audio/amr-wb"),
    (b"#!SILK_V3", "audio/silk"),
    (b"\x02#!SILK_V3", "audio/silk"),  # WeChat's variant, with a leading 0x02
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
)


class MediaRejected(ValueError):
    """Too large, empty, or not a picture or recording."""


def sniff(data: bytes) -> str:
    """The MIME type the content really has, or '' when it is none we keep."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    return ""


def max_bytes(settings: Settings, kind: str) -> int:
    """The largest ``kind`` (image, audio) accepted: ``HOTLINE_MEDIA_MAX_IMAGE_BYTES`` /
    ``HOTLINE_MEDIA_MAX_AUDIO_BYTES``, as for uploads; 0 for kinds we do not keep."""
    limits = {"image": settings.media_max_image_bytes, "audio": settings.media_max_audio_bytes}
    return limits.get(kind, 0)


def check(*, kind: str, data: bytes, limit: int) -> str:
    """The content's MIME type, or MediaRejected unless it is a ``kind`` we keep, of at most
    ``limit`` bytes."""
    if not data or len(data) > limit:
        raise MediaRejected(f"{kind} of {len(data)} bytes")
    mime = sniff(data)
    if not mime.startswith(f"{kind}/"):
        raise MediaRejected(f"content is not {kind} ({mime or 'unknown'})")
    return mime


async def keep(settings: Settings, *, ref: str, kind: str, data: bytes) -> tuple[str, str]:
    """Check and keep ``data`` under ``ref`` in the configured storage; its MIME type and the
    backend's name. A storage failure (``StorageError``) propagates: retry later."""
    mime = check(kind=kind, data=data, limit=max_bytes(settings, kind))
    storage = storage_for(settings)
    await storage.put(key=ref, data=data, content_type=mime)
    return mime, storage.kind.value


async def load(settings: Settings, *, ref: str, storage: str) -> bytes:
    """The bytes kept under ``ref`` in the backend they were written to."""
    return await storage_for(settings, storage).get(key=ref)
