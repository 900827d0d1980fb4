"""Pictures and recordings citizens upload from the mini-program or the app.

The type is read from the content (``media_formats.sniff``), never from the file name or the
client's Content-Type; sizes and recording length are limited by setting. An upload belongs to
its citizen: nobody else can attach it, read it or learn that it exists.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.settings import Settings
from intake import ratelimit
from intake.errors import HotlineError, NotFound
from intake.media_formats import UnreadableMedia, duration_seconds, sniff
from intake.mobile_models import MediaUpload
from intake.models import Ticket
from intake.storage import MediaStorage, ObjectMissing, StorageError, storage_for

logger = logging.getLogger(__name__)

MAX_ATTACHMENTS = 9  # what the mini-program's image picker allows at once
UPLOADS_PER_HOUR = 60


class UnsupportedMedia(HotlineError):
    code = "media_unsupported"
    status_code = 415
    message_key = "mobile_error.media_unsupported"


class MediaTooLarge(HotlineError):
    code = "media_too_large"
    status_code = 413
    message_key = "mobile_error.media_too_large"


class MediaTooLong(HotlineError):
    code = "media_too_long"
    status_code = 422
    message_key = "mobile_error.media_too_long"


class MediaNotFound(NotFound):
    code = "media_not_found"
    message_key = "mobile_error.media_not_found"


class TooManyAttachments(HotlineError):
    code = "too_many_attachments"
    status_code = 422
    message_key = "mobile_error.too_many_attachments"


class MediaUnavailable(HotlineError):
    code = "media_unavailable"
    status_code = 503
    message_key = "mobile_error.media_unavailable"


@dataclass(frozen=True)
class MediaLimits:
    image_bytes: int
    audio_bytes: int
    audio_seconds: int

    @classmethod
    def of(cls, settings: Settings) -> MediaLimits:
        return cls(
            image_bytes=settings.media_max_image_bytes,
            audio_bytes=settings.media_max_audio_bytes,
            audio_seconds=settings.media_max_audio_seconds,
        )

    def too_large(self) -> MediaTooLarge:
        return MediaTooLarge(
            image_mb=str(self.image_bytes // (1024 * 1024)),
            audio_mb=str(self.audio_bytes // (1024 * 1024)),
        )


async def accept_upload(
    *, citizen_id: int, data: bytes, limits: MediaLimits, storage: MediaStorage, now: datetime
) -> MediaUpload:
    """Check, store and record one upload of this citizen."""
    await ratelimit.enforce(
        key=f"upload:{citizen_id}", limit=UPLOADS_PER_HOUR, window_seconds=3600, now=now
    )
    if len(data) > max(limits.image_bytes, limits.audio_bytes):
        raise limits.too_large()
    sniffed = sniff(data)
    if sniffed is None:
        raise UnsupportedMedia(f"unknown content, {len(data)} bytes")
    if len(data) > (limits.image_bytes if sniffed.kind == "image" else limits.audio_bytes):
        raise limits.too_large()
    duration_ms = None
    if sniffed.kind == "audio":
        try:
            seconds = duration_seconds(data, sniffed.content_type, stop_after=limits.audio_seconds)
        except UnreadableMedia as exc:
            raise UnsupportedMedia(str(exc)) from exc
        if seconds > limits.audio_seconds:
            raise MediaTooLong(f"{seconds:.1f} s", seconds=str(limits.audio_seconds))
        duration_ms = round(seconds * 1000)
    key = f"mobile/{now:%Y/%m}/{secrets.token_hex(16)}.{sniffed.extension}"
    try:
        await storage.put(key=key, data=data, content_type=sniffed.content_type)
    except StorageError as exc:
        logger.error("upload not stored: %s", exc)
        raise MediaUnavailable(str(exc)) from exc
    return await MediaUpload.create(
        citizen_id=citizen_id,
        ref=key,
        storage=storage.kind.value,
        kind=sniffed.kind,
        content_type=sniffed.content_type,
        size=len(data),
        duration_ms=duration_ms,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def attachment_of(upload: MediaUpload) -> dict[str, Any]:
    """How a ticket carries an upload (the shape the channels' attachments have, and more)."""
    return {
        "kind": upload.kind,
        "ref": upload.ref,
        "mime_type": upload.content_type,
        "media_id": upload.id,
        "storage": upload.storage,
        "size": upload.size,
        "duration_ms": upload.duration_ms,
    }


async def own_uploads(*, citizen_id: int, media_ids: Sequence[int]) -> list[MediaUpload]:
    """This citizen's uploads, in the order given; another's or an unknown id is not found."""
    wanted = list(dict.fromkeys(media_ids))
    if len(wanted) > MAX_ATTACHMENTS:
        raise TooManyAttachments(str(len(wanted)), limit=str(MAX_ATTACHMENTS))
    if not wanted:
        return []
    rows = {u.id: u for u in await MediaUpload.filter(id__in=wanted, citizen_id=citizen_id)}
    if len(rows) != len(wanted):
        raise MediaNotFound(f"media {sorted(set(wanted) - set(rows))}")
    return [rows[i] for i in wanted]


async def link_to_ticket(*, uploads: Sequence[MediaUpload], ticket: Ticket) -> None:
    """Record which ticket the uploads went with, and ask for the audio to be transcribed."""
    ids = [u.id for u in uploads]
    if ids:
        await MediaUpload.filter(id__in=ids, ticket_id=None).update(ticket_id=ticket.id)
        await request_transcription(ticket_id=ticket.id)


async def request_transcription(*, ticket_id: int) -> int:
    """HOOK for the voice issue (speech recognition, not built yet).

    Marks the ticket's recordings ``transcript_status="pending"``; the voice worker is to pick
    those rows up, transcribe them, store ``transcript`` and add the text to the ticket as a
    TicketEvent. Until then the recordings stay attached for staff to listen to.
    """
    return await MediaUpload.filter(ticket_id=ticket_id, kind="audio", transcript_status="").update(
        transcript_status="pending"
    )


@dataclass(frozen=True)
class MediaContent:
    content_type: str
    data: bytes


async def read_upload(*, citizen_id: int, media_id: int, settings: Settings) -> MediaContent:
    """One of this citizen's uploads, for the app to show it again."""
    upload = await MediaUpload.get_or_none(id=media_id, citizen_id=citizen_id)
    if upload is None:
        raise MediaNotFound(f"media {media_id}")
    try:
        data = await storage_for(settings, upload.storage).get(key=upload.ref)
    except ObjectMissing as exc:
        raise MediaNotFound(f"media {media_id} lost from storage") from exc
    except StorageError as exc:
        raise MediaUnavailable(str(exc)) from exc
    return MediaContent(content_type=upload.content_type, data=data)
