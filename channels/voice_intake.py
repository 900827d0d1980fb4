"""Recordings citizens send on chat channels (WeChat, Telegram, the app): transcribed by the
worker, then either a turn of the citizen's conversation or a note on their ticket.

Any channel uses it the same way: store the audio (``intake.storage``, the ``media`` folder the
channels share), call ``register_recording`` with the message's ``(channel, sender,
external_id)`` and the channel's reply task, commit, enqueue ``voice.transcribe_message``; the
task calls ``intake.receive`` with the transcript as the text and the recording attached (in
the sender's language, kept on the row), and then enqueues the reply task with ``channel,
sender, external_id``. That task finds the replies with ``replies_of`` (``receive`` again with
the same message: a repeat returns the stored replies, so the reply is decided once, in
intake), sends them under its own dedup keys, and calls ``mark_replied``. ``voice.sweep``
re-enqueues rows whose job was lost: a transcription never run, or a reply task never run to
the end (its publish failed, the broker was down), so the citizen is always answered once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from channels.jobs import Jobs
from channels.voice_models import VoiceTranscript
from hotline.settings import Settings
from intake.catalogue import DEFAULT_LANGUAGE, catalogue_language, text
from intake.config import IntakeConfig
from intake.errors import NotFound
from intake.messages import IntakeMessage, Media, ReceiveResult, Reply
from intake.models import TicketEvent
from intake.receive import receive
from intake.storage import ObjectMissing, storage_for
from voice.asr import MANDARIN, Transcript, transcribe_audio
from voice.audio import MIME_TYPES, sniff
from voice.errors import AudioRejected, EngineUnavailable

logger = logging.getLogger(__name__)


async def register_recording(
    *,
    channel: str,
    sender: str,
    external_id: str,
    ref: str,
    storage: str = "local",
    region_hint: str = "",
    language: str = DEFAULT_LANGUAGE,
    reply_task: str = "",
) -> VoiceTranscript:
    """The transcription row of one inbound voice message (idempotent on channel + id).
    ``language`` is the sender's language code as their client gives it (the turn is
    received in it); ``reply_task`` is the channel's task to enqueue (channel, sender,
    external_id) after."""
    defaults = {
        "sender": sender,
        "ref": ref,
        "storage": storage,
        "region_hint": region_hint,
        "language": (language or DEFAULT_LANGUAGE)[:16],
    }
    try:
        row, _ = await VoiceTranscript.get_or_create(
            channel=channel,
            external_id=external_id,
            defaults=defaults | {"reply_task": reply_task},
        )
    except IntegrityError:  # a concurrent retry of the same message won
        row = await VoiceTranscript.get(channel=channel, external_id=external_id)
    return row


def spoken_language(client_language: str) -> str | None:
    """What to listen for from a client in ``client_language`` (a code such as "en-GB"):
    Mandarin from Chinese clients; from others English or Mandarin (people in China often set
    their phone to English), left to the engine to tell apart."""
    return MANDARIN if catalogue_language(client_language) == DEFAULT_LANGUAGE else None


async def transcribe(*, transcript_id: int, settings: Settings) -> VoiceTranscript:
    """Run speech recognition once for the row; later calls return what was stored."""
    row = await VoiceTranscript.get_or_none(id=transcript_id)
    if row is None:
        raise NotFound(f"voice transcript {transcript_id}")
    if row.status != "pending":
        return row
    try:
        audio = await storage_for(settings, row.storage).get(key=row.ref)
        row.content_type = MIME_TYPES[sniff(audio)]
        heard = await asyncio.to_thread(
            transcribe_audio,
            audio,
            settings=settings,
            language=spoken_language(row.language or DEFAULT_LANGUAGE),
        )
    except (AudioRejected, EngineUnavailable, ObjectMissing) as exc:
        # Permanent for this recording: the conversation asks the citizen to type instead.
        logger.warning("voice %s:%s not transcribed: %s", row.channel, row.external_id, exc)
        row.status, row.error = "failed", str(exc)[:255]
        await row.save(update_fields=["status", "error", "content_type", "updated_at"])
        return row
    _store(row, heard)
    await row.save()
    return row


def _store(row: VoiceTranscript, heard: Transcript) -> None:
    row.transcript, row.confidence, row.duration = heard.text, heard.confidence, heard.duration
    row.engine, row.status = heard.engine, "done"


def message_of(row: VoiceTranscript) -> IntakeMessage:
    """The conversation turn a voice message makes: its words, with the recording attached."""
    return IntakeMessage(
        channel=row.channel,
        sender=row.sender,
        external_id=row.external_id,
        text=row.transcript or "",
        media=(Media("audio", row.ref, row.content_type),),
        received_at=row.created_at,
        region_hint=row.region_hint,
        language=row.language or DEFAULT_LANGUAGE,
    )


async def continue_conversation(
    *, transcript_id: int, settings: Settings, config: IntakeConfig
) -> ReceiveResult:
    """Transcribe (if not done) and hand the words to ``receive`` as the citizen's turn.

    Without words (silence, refused audio) the turn still carries the recording, and the
    dialogue asks the citizen to describe the problem in writing.
    """
    row = await transcribe(transcript_id=transcript_id, settings=settings)
    return await receive(message_of(row), config=config)


async def continue_and_hand_back(
    *, transcript_id: int, settings: Settings, config: IntakeConfig, jobs: Jobs
) -> VoiceTranscript:
    """The ``voice.transcribe_message`` task: continue the conversation with the words, then
    queue the channel's reply task (with channel, sender, external_id) to send the replies."""
    await continue_conversation(transcript_id=transcript_id, settings=settings, config=config)
    row = await transcribe(transcript_id=transcript_id, settings=settings)
    if row.reply_task and row.replied_at is None:
        # Should this publish fail, the row stays unreplied and ``voice.sweep`` queues it.
        await jobs.enqueue(
            row.reply_task, channel=row.channel, sender=row.sender, external_id=row.external_id
        )
    return row


async def replies_of(
    *, channel: str, external_id: str, config: IntakeConfig
) -> tuple[VoiceTranscript, list[Reply]] | None:
    """For the channel's reply task: the transcribed row and its turn's replies, or None when
    there is nothing (more) to send: no transcript yet (its task queues the reply when done),
    or the replies were already handed to the channel.

    The replies are ``receive``'s for the turn: stored ones when the transcription task
    recorded it, or, had that task failed between the transcript and the turn, the turn
    received now; either way once.
    """
    row = await VoiceTranscript.get_or_none(channel=channel, external_id=external_id)
    if row is None or row.status == "pending" or row.replied_at is not None:
        return None
    result = await receive(message_of(row), config=config)
    return row, result.replies


async def mark_replied(row: VoiceTranscript) -> None:
    """The channel took the turn's replies (sent, or refused for good): nothing left to do.
    Call it only after the send; a reply task that stopped short is run again by the sweep,
    and the channel's dedup keys keep what was sent from going out twice."""
    row.replied_at = datetime.now(UTC)
    await VoiceTranscript.filter(id=row.id).update(replied_at=row.replied_at)


async def transcribe_ticket_uploads(*, settings: Settings, limit: int = 20) -> int:
    """Recordings uploaded with a ticket from the app (``MediaUpload.transcript_status`` =
    ``pending``, set by ``intake.media.request_transcription``): transcribe each and add the
    words to the ticket's history as an internal note. Returns how many were handled."""
    from intake.mobile_models import MediaUpload

    rows = await MediaUpload.filter(transcript_status="pending", kind="audio").limit(limit)
    for upload in rows:
        try:
            audio = await storage_for(settings, upload.storage).get(key=upload.ref)
            heard = await asyncio.to_thread(transcribe_audio, audio, settings=settings)
        except (AudioRejected, EngineUnavailable, ObjectMissing) as exc:
            logger.warning("upload %s not transcribed: %s", upload.id, exc)
            upload.transcript_status = "failed"
            await upload.save(update_fields=["transcript_status"])
            continue
        upload.transcript, upload.transcript_status = heard.text, "done"
        await upload.save(update_fields=["transcript", "transcript_status"])
        await upload.fetch_related("ticket")
        ticket = upload.ticket
        if ticket is not None and heard.text:
            note = text("voice.transcript_note", confidence=f"{heard.confidence:.2f}")
            await TicketEvent.create(
                ticket=ticket,
                action="voice_transcript",
                actor_type="system",
                actor_id="asr",
                internal_note=f"{note}{heard.text}",
            )
    return len(rows)
