"""The phone channel's service: call recordings become draft tickets an agent confirms.

Phone intake has a human agent (national practice), so speech recognition only assists: the
platform posts the call's recording, the worker transcribes and triages it, the agent who took
the call sees the draft, corrects it and confirms it into a ticket (channel ``phone``). An
emergency heard in the recording is exposed at once as a transfer instruction (110/119/120/
122) for the platform to act on. Call records (offered, answered, abandoned) feed the
answer-rate KPI.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from channels.voice_models import CallRecord, CallRecording
from hotline import crypto
from hotline.settings import Settings
from intake.catalogue import text
from intake.citizens import citizen_for
from intake.config import IntakeConfig
from intake.errors import HotlineError, IllegalTransition, NotFound
from intake.events import unit_of_work
from intake.pii import mask_phone
from intake.storage import storage_for
from intake.tickets import TicketDraft, create_ticket
from intake.timeline_notes import timeline_note
from intake.triage import triage
from intake.workflow import Action, Actor, apply_action
from voice.asr import limits_of, transcribe_audio
from voice.audio import MIME_TYPES, check_size, sniff
from voice.errors import AudioRejected, EngineUnavailable

CHANNEL = "phone"
_CALL_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class RecordingRejected(HotlineError):
    code = "audio_rejected"
    status_code = 415
    message_key = "voice.audio_rejected"


class RecordingTooLarge(HotlineError):
    code = "too_large"
    status_code = 413
    message_key = "voice.audio_too_large"


def _check_call_id(call_id: str) -> str:
    if not _CALL_ID.fullmatch(call_id):
        raise HotlineError("bad call id")
    return call_id


async def accept_recording(
    *, settings: Settings, call_id: str, caller: str, agent_id: str, audio: bytes, now: datetime
) -> tuple[CallRecording, bool]:
    """Store a call's recording and its draft row; ``(row, False)`` for a repeat of ``call_id``.

    Only the header is checked here (size, format): decoding is the worker's job.
    """
    existing = await CallRecording.get_or_none(call_id=_check_call_id(call_id))
    if existing is not None:
        return existing, False
    try:
        check_size(audio, limits_of(settings))
        fmt = sniff(audio)
    except AudioRejected as exc:
        if exc.reason == "too_large":
            raise RecordingTooLarge(str(exc)) from exc
        raise RecordingRejected(str(exc)) from exc
    key = f"phone/{now:%Y/%m}/{secrets.token_hex(12)}.{fmt.value}"
    await storage_for(settings).put(key=key, data=audio, content_type=MIME_TYPES[fmt])
    async with in_transaction():
        row, created = await CallRecording.get_or_create(
            call_id=call_id,
            defaults={
                "agent_id": agent_id[:64],
                "caller_encrypted": crypto.encrypt(caller, secret_key=settings.secret_key)
                if caller
                else None,
                "caller_masked": mask_phone(caller) if caller else "",
                "ref": key,
                "content_type": MIME_TYPES[fmt],
            },
        )
    return row, created


async def transcribe_recording(*, recording_id: int, settings: Settings) -> CallRecording:
    """Transcribe and triage a recording (worker side; safe to run twice)."""
    row = await CallRecording.get_or_none(id=recording_id)
    if row is None:
        raise NotFound(f"call recording {recording_id}")
    if row.status != "received":
        return row
    try:
        audio = await storage_for(settings).get(key=row.ref)
        heard = await asyncio.to_thread(transcribe_audio, audio, settings=settings)
    except (AudioRejected, EngineUnavailable) as exc:
        # Nothing to retry: the agent types the request from the call instead.
        row.status, row.error = "failed", str(exc)[:255]
        await row.save(update_fields=["status", "error", "updated_at"])
        return row
    result = triage(heard.text) if heard.text else None
    row.transcript, row.confidence, row.duration = heard.text, heard.confidence, heard.duration
    if result is not None:
        row.scope, row.kind, row.urgency = result.scope, result.kind, result.urgency
        row.category = result.category
        row.transfer_to = result.emergency_number or ""
    row.status = "transcribed"
    await row.save()
    return row


async def recording_for(*, call_id: str) -> CallRecording:
    row = await CallRecording.get_or_none(call_id=_check_call_id(call_id))
    if row is None:
        raise NotFound(f"call {call_id}")
    return row


def transfer_instruction(row: CallRecording) -> dict[str, str] | None:
    """What the platform should do at once: transfer the caller to an emergency line."""
    if not row.transfer_to:
        return None
    return {"number": row.transfer_to, "message": text(f"emergency.{row.transfer_to}")}


async def list_drafts(*, agent_id: str = "", limit: int = 50) -> list[CallRecording]:
    """Drafts waiting for an agent, newest first (one agent's when ``agent_id`` is given)."""
    query = CallRecording.filter(status__in=["received", "transcribed", "failed"])
    if agent_id:
        query = query.filter(agent_id=agent_id)
    return await query.order_by("-id").limit(limit)


def caller_of(row: CallRecording, *, secret_key: str) -> str:
    if not row.caller_encrypted:
        return ""
    return crypto.decrypt(row.caller_encrypted, secret_key=secret_key)


@dataclass(frozen=True)
class DraftEdits:
    """What the agent corrected; empty fields keep the draft's values."""

    description: str = ""
    kind: str = ""
    category: str | None = None
    scope: str = ""
    location: str = ""
    contact_phone: str = ""
    region_code: str = ""


async def confirm_draft(
    *,
    recording_id: int,
    edits: DraftEdits,
    staff_id: int,
    config: IntakeConfig,
    now: datetime,
) -> str:
    """Turn a draft into a ticket (channel ``phone``) and return its number."""
    async with unit_of_work():  # notifications of the new ticket go out once it commits
        row = await CallRecording.select_for_update().get_or_none(id=recording_id)
        if row is None:
            raise NotFound(f"call recording {recording_id}")
        if row.status not in ("transcribed", "failed"):
            raise IllegalTransition(f"draft is {row.status}")
        description = (edits.description or row.transcript or "").strip()
        if not description:
            raise HotlineError("an empty draft needs a description")
        phone = edits.contact_phone or caller_of(row, secret_key=config.secret_key)
        scope = edits.scope or row.scope or triage(description).scope
        fresh = triage(description)
        draft = TicketDraft(
            channel=CHANNEL,
            description=description,
            kind=edits.kind or row.kind or fresh.kind,
            category=(edits.category or row.category or fresh.category) if scope == "in" else None,
            scope=scope,
            urgency=row.urgency or fresh.urgency,
            region_code=edits.region_code,
            location=edits.location,
            contact_phone=phone,
            attachments=[_attachment(row)],
            confidence=fresh.confidence,
        )
        citizen = None
        if phone:
            digest = crypto.digest(phone, secret_key=config.secret_key)
            citizen = await citizen_for(channel=CHANNEL, external_id=digest)
        actor = Actor("staff", str(staff_id))
        created = await create_ticket(
            draft=draft, citizen=citizen, config=config, now=now, actor=actor
        )
        ticket = created.ticket
        if scope.startswith("emergency:"):
            number = scope.partition(":")[2]
            note = timeline_note("transferred", number=number)
            await apply_action(ticket, Action.TRANSFER, actor=actor, public_note=note)
        elif scope.startswith("out:"):
            note = timeline_note("rejected")
            await apply_action(ticket, Action.REJECT, actor=actor, public_note=note)
        row.status, row.ticket_number, row.confirmed_by = "confirmed", ticket.number, str(staff_id)
        await row.save(update_fields=["status", "ticket_number", "confirmed_by", "updated_at"])
    return ticket.number


def _attachment(row: CallRecording) -> dict[str, object]:
    return {
        "kind": "audio",
        "ref": row.ref,
        "content_type": row.content_type,
        "source": "call_recording",
        "transcript": row.transcript or "",
        "confidence": row.confidence,
    }


async def dismiss_draft(*, recording_id: int, staff_id: int) -> None:
    """The call needs no ticket (a wrong number, a question answered on the phone)."""
    updated = await CallRecording.filter(
        id=recording_id, status__in=["received", "transcribed", "failed"]
    ).update(status="dismissed", confirmed_by=str(staff_id))
    if not updated:
        raise NotFound(f"open draft {recording_id}")


@dataclass(frozen=True)
class CallEvent:
    call_id: str
    outcome: str  # answered | abandoned | offered
    offered_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    caller: str = ""
    agent_id: str = ""


async def record_call(event: CallEvent) -> CallRecord:
    """Insert or update one call's record (the platform reports a call as it progresses)."""
    wait_until = event.answered_at or event.ended_at
    wait = (wait_until - event.offered_at).total_seconds() if wait_until else 0.0
    talk = 0.0
    if event.answered_at and event.ended_at:
        talk = (event.ended_at - event.answered_at).total_seconds()
    values = {
        "outcome": event.outcome,
        "offered_at": event.offered_at,
        "answered_at": event.answered_at,
        "ended_at": event.ended_at,
        "caller_masked": mask_phone(event.caller) if event.caller else "",
        "agent_id": event.agent_id[:64],
        "wait_seconds": max(wait, 0.0),
        "talk_seconds": max(talk, 0.0),
    }
    row, _ = await CallRecord.update_or_create(
        call_id=_check_call_id(event.call_id), defaults=values
    )
    return row


@dataclass(frozen=True)
class CallStats:
    offered: int
    answered: int
    abandoned: int
    answer_rate: float
    average_wait_seconds: float


async def call_stats(*, since: datetime, until: datetime) -> CallStats:
    """Calls offered in ``[since, until)``: the answer rate counts answered among finished."""
    rows = await CallRecord.filter(offered_at__gte=since, offered_at__lt=until).values_list(
        "outcome", "wait_seconds"
    )
    answered = [wait for outcome, wait in rows if outcome == "answered"]
    abandoned = sum(1 for outcome, _ in rows if outcome == "abandoned")
    finished = len(answered) + abandoned
    return CallStats(
        offered=len(rows),
        answered=len(answered),
        abandoned=abandoned,
        answer_rate=round(len(answered) / finished, 4) if finished else 0.0,
        average_wait_seconds=round(sum(answered) / len(answered), 1) if answered else 0.0,
    )
