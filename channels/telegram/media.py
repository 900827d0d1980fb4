"""Photos and voice notes: registered when the update is handled, fetched by the worker.

The storage key (``ref``) is chosen at once, so the conversation and the ticket carry the
attachment while its bytes are still being fetched by getFile (``fetch``); a photo that cannot
be fetched stays named on the ticket and staff see it as missing. The bytes go to the
configured media storage (``intake.storage``: local folder or S3), whose name the row keeps.
"""

from __future__ import annotations

import logging
from datetime import datetime

from aiogram import Bot

from channels import media as media_store
from channels.jobs import Jobs
from channels.telegram import voice
from channels.telegram.client import download
from channels.telegram.errors import PermanentTelegramError
from channels.telegram.models import FAILED, PENDING, TelegramMedia
from hotline.settings import Settings
from intake.messages import Media

logger = logging.getLogger(__name__)


class MediaGone(LookupError):
    """The media row a task was given no longer exists."""


async def register(
    *,
    update_id: int,
    chat_id: int,
    file_id: str,
    kind: str,
    mime_type: str,
    jobs: Jobs,
    now: datetime,
) -> Media:
    """The attachment as intake will carry it; its download is queued while it is pending.

    Handling an update twice finds the same row and queues the (idempotent) fetch again.
    """
    row, _ = await TelegramMedia.get_or_create(
        update_id=update_id,
        defaults={
            "chat_id": chat_id,
            "file_id": file_id[:255],
            "kind": kind,
            "ref": f"telegram/{update_id}-{kind}",
            "content_type": mime_type,
            "enqueued_at": now,
        },
    )
    if row.status == PENDING:
        await jobs.enqueue("telegram.fetch_media", media_row_id=row.id)
    return Media(kind=row.kind, ref=row.ref, mime_type=row.content_type)


async def fetch(*, media_row_id: int, bot: Bot, settings: Settings, jobs: Jobs) -> TelegramMedia:
    """Download into media storage, then hand a voice note on to speech recognition.

    Retriable errors (Bot API, storage) propagate; permanent ones mark the row failed. A run
    after a crash finds the row done and still makes sure the voice note is handed on.
    """
    row = await _download(media_row_id=media_row_id, bot=bot, settings=settings)
    await voice.transcribe_when_fetched(row, jobs=jobs)
    return row


async def _download(*, media_row_id: int, bot: Bot, settings: Settings) -> TelegramMedia:
    row = await TelegramMedia.get_or_none(id=media_row_id)
    if row is None:
        raise MediaGone(media_row_id)
    if row.status != PENDING:
        return row
    try:
        data = await download(
            bot, file_id=row.file_id, limit=media_store.max_bytes(settings, row.kind)
        )
        row.content_type, row.storage = await media_store.keep(
            settings, ref=row.ref, kind=row.kind, data=data
        )
        row.size, row.status = len(data), "stored"
    except (PermanentTelegramError, media_store.MediaRejected) as exc:
        logger.warning("telegram media of update %s not stored: %s", row.update_id, exc)
        row.status, row.error = FAILED, str(exc)[:255]
    await row.save(update_fields=["status", "content_type", "storage", "size", "error"])
    return row
