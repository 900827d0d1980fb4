"""Everything else a citizen sends in a private chat: words, photos, places, voice notes."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import Message, PhotoSize

from channels import media as media_store
from channels.telegram import media, voice
from channels.telegram.turns import Answer, Deps, converse, says
from intake.messages import Location

router = Router(name="telegram-messages")
router.message.filter(F.chat.type == ChatType.PRIVATE)

# Pictures sent "as a file" (uncompressed) are pictures too.
IMAGE_DOCUMENTS = frozenset({"image/jpeg", "image/png", "image/gif"})


@router.message(F.text)
async def said(message: Message, deps: Deps, update_id: int) -> Answer:
    replies = await converse(
        deps=deps,
        chat_id=message.chat.id,
        user=message.from_user,
        external_id=f"update:{update_id}",
        at=message.date,
        said=message.text or "",
    )
    return Answer(message.chat.id, replies)


def _largest_fitting(sizes: list[PhotoSize], *, limit: int) -> PhotoSize:
    """Telegram sends each photo in several sizes: the largest we are willing to store."""
    fitting = [size for size in sizes if (size.file_size or 0) <= limit]
    return max(fitting or sizes, key=lambda size: size.width * size.height)


@router.message(F.photo | F.document.mime_type.in_(IMAGE_DOCUMENTS))
async def picture(message: Message, deps: Deps, update_id: int) -> Answer:
    limit = media_store.max_bytes(deps.settings, "image")
    if message.photo:
        file_id, mime = _largest_fitting(message.photo, limit=limit).file_id, "image/jpeg"
    else:
        assert message.document is not None  # by the filter
        file_id, mime = message.document.file_id, message.document.mime_type or "image/jpeg"
    attachment = await media.register(
        update_id=update_id,
        chat_id=message.chat.id,
        file_id=file_id,
        kind="image",
        mime_type=mime,
        jobs=deps.jobs,
        now=datetime.now(UTC),
    )
    replies = await converse(
        deps=deps,
        chat_id=message.chat.id,
        user=message.from_user,
        external_id=f"update:{update_id}",
        at=message.date,
        said=message.caption or "",
        media=(attachment,),
    )
    return Answer(message.chat.id, replies)


@router.message(F.location)
async def place(message: Message, deps: Deps, update_id: int) -> Answer:
    assert message.location is not None  # by the filter
    venue = message.venue
    label = f"{venue.title} {venue.address}".strip() if venue else ""
    where = Location(message.location.latitude, message.location.longitude, label)
    replies = await converse(
        deps=deps,
        chat_id=message.chat.id,
        user=message.from_user,
        external_id=f"update:{update_id}",
        at=message.date,
        location=where,
    )
    return Answer(message.chat.id, replies)


@router.message(F.voice)
async def voice_note(message: Message, deps: Deps, update_id: int) -> Answer:
    assert message.voice is not None  # by the filter
    # First: it records the chat's language, which the transcribed turn is received in, before
    # the download is queued (and the recording registered for transcription once fetched).
    replies = await voice.on_voice_note(
        chat_id=message.chat.id, user=message.from_user, at=message.date
    )
    await media.register(
        update_id=update_id,
        chat_id=message.chat.id,
        file_id=message.voice.file_id,
        kind="audio",
        mime_type=message.voice.mime_type or "audio/ogg",
        jobs=deps.jobs,
        now=datetime.now(UTC),
    )
    # No turn yet: the words come from the worker once the recording is fetched and
    # transcribed (``voice.transcribe_when_fetched``), with the recording attached.
    return Answer(message.chat.id, replies)


@router.message()
async def unsupported(message: Message) -> Answer:
    return Answer(message.chat.id, [says(message.from_user, "telegram.unsupported")])
