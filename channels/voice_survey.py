"""Outbound voice calls (callback surveys) as tasks the call-centre platform pulls.

The survey code (notify) calls ``create_call_task``; the platform lists pending tasks with
``GET /channels/voice/call-tasks`` (each with the URL of its prompt, rendered once by TTS),
places the calls, and posts each outcome: keypad digits, a recording of the spoken answer, or
a failure (no answer, busy). Digits are parsed at once; a recording is transcribed by the
worker. Either way the parsed answer is stored on the task and, when the survey code named a
task in ``on_result``, that task is enqueued with the call task's id: channels never import
notify, the survey code is told by name.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from channels.voice_models import CallTask
from hotline import crypto
from hotline.settings import Settings
from intake.errors import HotlineError, IllegalTransition, NotFound
from intake.pii import mask_phone
from intake.storage import storage_for
from intake.survey_answers import SurveyAnswer, parse_keypad, parse_spoken
from voice.asr import limits_of, transcribe_audio
from voice.audio import MIME_TYPES, check_size, sniff
from voice.errors import AudioRejected, EngineUnavailable

# A task handed out but not reported within this long is offered again (the platform died).
CLAIM_TIMEOUT = timedelta(minutes=30)
MAX_ATTEMPTS = 3


async def create_call_task(
    *,
    dedup_key: str,
    phone: str,
    prompt_text: str,
    secret_key: str,
    ticket_number: str = "",
    purpose: str = "survey",
    on_result: str = "",
    not_before: datetime | None = None,
) -> CallTask:
    """Ask for a call to ``phone`` playing ``prompt_text`` (idempotent on ``dedup_key``).

    Keep ``prompt_text`` free of personal data: prompts are cached and served without
    authentication so that the platform's media player can fetch them.
    """
    row, _ = await CallTask.get_or_create(
        dedup_key=dedup_key,
        defaults={
            "purpose": purpose,
            "ticket_number": ticket_number,
            "phone_encrypted": crypto.encrypt(phone, secret_key=secret_key),
            "phone_masked": mask_phone(phone),
            "prompt_text": prompt_text,
            "on_result": on_result,
            "not_before": not_before,
        },
    )
    return row


async def claim_pending(*, now: datetime, limit: int = 20) -> list[CallTask]:
    """Tasks due for a call, marked ``dialling`` so a second poll does not hand them out."""
    stale = now - CLAIM_TIMEOUT
    async with in_transaction():
        rows = (
            await CallTask.select_for_update()
            .filter(status__in=["pending", "dialling"], attempts__lt=MAX_ATTEMPTS)
            .order_by("id")
            .limit(limit * 4)
        )
        due = [
            row
            for row in rows
            if (row.not_before is None or row.not_before <= now)
            and (row.status == "pending" or row.updated_at <= stale)
        ][:limit]
        for row in due:
            row.status, row.attempts = "dialling", row.attempts + 1
            await row.save(update_fields=["status", "attempts", "updated_at"])
    return due


def _stored(answer: SurveyAnswer, source: str) -> dict[str, object]:
    """What the task keeps of a parsed answer; ``source`` is dtmf or speech, ``comment`` what
    was said beyond the answer itself ("没解决，路灯还是不亮")."""
    return {
        "resolved": answer.resolved,
        "satisfaction": answer.satisfaction,
        "source": source,
        "comment": answer.comment,
    }


def phone_of(row: CallTask, *, secret_key: str) -> str:
    return crypto.decrypt(row.phone_encrypted, secret_key=secret_key)


async def record_result(
    *,
    task_id: int,
    settings: Settings,
    outcome: str,
    digits: str = "",
    recording: bytes = b"",
    now: datetime,
) -> tuple[CallTask, bool]:
    """Store what a call brought. Returns the task and whether a recording awaits transcription.

    ``outcome`` is ``answered`` or ``failed`` (no answer, busy, hung up before answering).
    """
    row = await CallTask.get_or_none(id=task_id)
    if row is None:
        raise NotFound(f"call task {task_id}")
    if row.status not in ("pending", "dialling"):
        return row, False  # a repeat of a result already taken
    if outcome == "failed":
        row.status = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
        await row.save(update_fields=["status", "updated_at"])
        return row, False
    if outcome != "answered":
        raise HotlineError(f"unknown outcome {outcome!r}")
    if recording:
        try:
            check_size(recording, limits_of(settings))
            fmt = sniff(recording)
        except AudioRejected as exc:
            raise IllegalTransition(str(exc)) from exc
        key = f"call-tasks/{now:%Y/%m}/{secrets.token_hex(12)}.{fmt.value}"
        await storage_for(settings).put(key=key, data=recording, content_type=MIME_TYPES[fmt])
        row.recording_ref, row.digits, row.status = key, digits[:16], "answered"
        await row.save(update_fields=["recording_ref", "digits", "status", "updated_at"])
        return row, True
    row.digits, row.status = digits[:16], "parsed"
    row.answer = _stored(parse_keypad(digits), "dtmf")
    await row.save(update_fields=["digits", "status", "answer", "updated_at"])
    return row, False


async def transcribe_answer(*, task_id: int, settings: Settings) -> CallTask:
    """Transcribe a recorded answer and parse it (worker side; safe to run twice)."""
    row = await CallTask.get_or_none(id=task_id)
    if row is None:
        raise NotFound(f"call task {task_id}")
    if row.status != "answered":
        return row
    try:
        audio = await storage_for(settings).get(key=row.recording_ref)
        heard = await asyncio.to_thread(transcribe_audio, audio, settings=settings)
    except (AudioRejected, EngineUnavailable) as exc:
        row.error = str(exc)[:255]
        answer = _stored(parse_keypad(row.digits), "dtmf")
    else:
        row.transcript, row.confidence = heard.text, heard.confidence
        spoken = parse_spoken(heard.text)
        keyed = parse_keypad(row.digits)
        # Words first; keys pressed during the same call stand when the words were not heard.
        use_keys = not spoken.understood and keyed.understood
        answer = _stored(keyed, "dtmf") if use_keys else _stored(spoken, "speech")
    row.answer, row.status = answer, "parsed"
    await row.save()
    return row
