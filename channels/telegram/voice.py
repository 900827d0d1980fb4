"""Voice notes (OGG/Opus) on Telegram: transcribed by the voice package, then a turn of the
citizen's conversation, as on WeChat.

Three steps, each in the worker and each safe to run twice:

1. ``on_voice_note`` (the update's handler): the recording was registered for download
   (``media.register``); the citizen hears at once that it is being recognised.
2. ``transcribe_when_fetched`` (after ``media.fetch``): the recording, stored or not, is handed
   to the shared voice pipeline (``channels.voice_intake``) under ``voice:<update_id>``, and
   ``voice.transcribe_message`` is queued. Only now, so the transcription never looks for
   audio still being downloaded (``voice.sweep`` re-queues a pending transcription, and would
   otherwise find nothing to hear while Telegram is slow).
3. ``send_transcribed_turn`` (``telegram.reply_voice``, queued by that task once ``receive``
   took the words): the turn's replies go to the chat under the same key, each sent once, and
   the recording is marked replied (``voice.sweep`` queues this step again until it is); a
   recording nobody could make out asks the citizen to type instead.

The turn is received in the chat's language (the client's ``language_code`` recorded with the
voice note), so an English client hears the dialogue in English, as with typed messages.
"""

from __future__ import annotations

import logging
from datetime import datetime

from aiogram import Bot
from aiogram.types import User

from channels import voice_intake
from channels.jobs import Jobs
from channels.telegram import CHANNEL, chats
from channels.telegram.errors import PermanentTelegramError
from channels.telegram.models import PENDING, TelegramMedia
from channels.telegram.outbound import TelegramSender
from channels.telegram.turns import language_code, says
from channels.voice_models import VoiceTranscript
from intake.catalogue import DEFAULT_LANGUAGE, catalogue_language, text
from intake.config import IntakeConfig
from intake.messages import Reply

logger = logging.getLogger(__name__)

REPLY_TASK = "telegram.reply_voice"
TRANSCRIBE_TASK = "voice.transcribe_message"


def external_id_of(update_id: int) -> str:
    """The voice turn's dedup key in intake, and the key of its replies on Telegram."""
    return f"voice:{update_id}"


async def on_voice_note(*, chat_id: int, user: User | None, at: datetime) -> list[Reply]:
    """The immediate answer to a voice note whose recording is being fetched."""
    # The later replies are sent when nobody's message is at hand: they, and the transcribed
    # turn, read the chat's language from here, so the first contact by voice must record it.
    await chats.touch(chat_id=chat_id, language_code=language_code(user), at=at)
    return [says(user, "telegram.voice_received")]


async def transcribe_when_fetched(row: TelegramMedia, *, jobs: Jobs) -> None:
    """Hand a fetched voice note (or one that could not be fetched) to speech recognition."""
    if row.kind != "audio" or row.status == PENDING:
        return
    transcript = await voice_intake.register_recording(
        channel=CHANNEL,
        sender=str(row.chat_id),
        external_id=external_id_of(row.update_id),
        ref=row.ref,
        storage=row.storage,
        region_hint=await chats.region_of(chat_id=row.chat_id),
        # Recorded by ``on_voice_note`` from the voice note's sender, before the fetch.
        language=await chats.language_of(chat_id=row.chat_id) or DEFAULT_LANGUAGE,
        reply_task=REPLY_TASK,
    )
    # A finished transcription already queued its reply; a pending one is queued again
    # (harmless: transcription and receive are idempotent) in case the last try was lost.
    if transcript.status == "pending":
        await jobs.enqueue(TRANSCRIBE_TASK, transcript_id=transcript.id)


def heard_nothing(row: VoiceTranscript) -> bool:
    """Refused audio, a missing recording, no engine, or silence: no words to go on."""
    return row.status != "done" or not (row.transcript or "").strip()


async def send_transcribed_turn(*, external_id: str, bot: Bot, intake: IntakeConfig) -> list[Reply]:
    """Send the replies of a transcribed voice note; returns what the citizen was sent now
    (nothing when they already were, or the transcription has not run yet). A retriable
    failure propagates, leaving the recording unreplied for the retry or the sweep."""
    found = await voice_intake.replies_of(channel=CHANNEL, external_id=external_id, config=intake)
    if found is None:
        return []
    row, replies = found
    chat_id = int(row.sender)
    if heard_nothing(row) and replies:
        # The dialogue got the recording without words and only re-asked its question; say
        # why, and how to go on, in the chat's own language. (No replies: an operator has
        # the conversation, and the bot keeps quiet.)
        language = catalogue_language(row.language)
        replies = [Reply(text("telegram.voice_failed", language=language))]
    try:
        await TelegramSender(bot).send_replies(chat_id=chat_id, replies=replies, key=external_id)
    except PermanentTelegramError as exc:
        # Recorded on the delivery row (blocked, chat gone): the turn itself is committed.
        logger.warning("telegram voice %s: replies not delivered: %s", external_id, exc)
    await voice_intake.mark_replied(row)
    return replies
