"""HTTP side of the phone channel, under ``/channels/voice``.

For the call-centre platform (HMAC-signed, see ``voice_sign``): call recordings in, their
drafts and transfer instructions out, call records, and outbound call tasks with their
results. For staff (bearer token): the drafts of their calls, confirmed into tickets.

Recordings are answered ``202 Accepted`` at once and transcribed by the worker: on this 2-core
machine Whisper needs about two seconds of CPU for any clip up to 30 s (the model always
encodes a 30 s window), longer than a webhook should hold a connection, and an API process
should not hold a 145 MB model. The platform asks ``GET /recordings/{call_id}?wait=10``,
which returns as soon as the transcript (and any emergency transfer) is known.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from channels import voice_phone, voice_survey
from channels.jobs import CeleryJobs
from channels.voice_models import CallRecording
from channels.voice_sign import BadSignature, verify
from hotline.settings import Settings
from intake import staff as staff_service
from intake.config import intake_config
from intake.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from intake.models import StaffUser
from voice.tts import cached_prompt, render_prompt

router = APIRouter(prefix="/channels/voice", tags=["phone channel"])
_bearer = HTTPBearer(auto_error=False)
MAX_WAIT_SECONDS = 10.0


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    if not settings.voice_call_enabled:
        raise NotFound("the phone channel is off")
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]


async def _signed(request: Request, settings: SettingsDep) -> bytes:
    """The raw body, once its signature and timestamp are verified."""
    body = await request.body()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        verify(
            secret=settings.voice_call_secret,
            timestamp=request.headers.get("x-hotline-timestamp", ""),
            signature=request.headers.get("x-hotline-signature", ""),
            method=request.method,
            path=path,
            body=body,
            window_seconds=settings.voice_call_timestamp_window_seconds,
        )
    except BadSignature as exc:
        raise Unauthorized(str(exc)) from exc
    return body


Signed = Annotated[bytes, Depends(_signed)]


async def _staff(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> StaffUser:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token")
    user = await staff_service.authenticate(
        token=credentials.credentials, secret_key=settings.secret_key, now=datetime.now(UTC)
    )
    if user.role not in ("admin", "operator", "supervisor"):
        raise Forbidden(f"role {user.role} takes no calls")
    return user


Staff = Annotated[StaffUser, Depends(_staff)]


def _recording_view(row: CallRecording) -> dict[str, Any]:
    return {
        "call_id": row.call_id,
        "status": row.status,
        "transcript": row.transcript,
        "confidence": row.confidence,
        "transfer": voice_phone.transfer_instruction(row),
        "draft": {"scope": row.scope, "kind": row.kind, "category": row.category},
        "ticket_number": row.ticket_number or None,
    }


async def _form(request: Request) -> tuple[dict[str, str], bytes]:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("recording")
    data = await upload.read() if upload is not None and not isinstance(upload, str) else b""
    return fields, data


@router.post("/recordings", status_code=202, summary="A call's recording (platform, signed)")
async def post_recording(request: Request, settings: SettingsDep, _: Signed) -> JSONResponse:
    fields, audio = await _form(request)
    if not fields.get("call_id") or not audio:
        raise InvalidInput("call_id and recording are required")
    row, created = await voice_phone.accept_recording(
        settings=settings,
        call_id=fields["call_id"],
        caller=fields.get("caller", ""),
        agent_id=fields.get("agent_id", ""),
        audio=audio,
        now=datetime.now(UTC),
    )
    if row.status == "received":  # new, or a retry whose job may have been lost: run it
        await CeleryJobs(settings).enqueue("voice.transcribe_call", recording_id=row.id)
    body = _recording_view(row) | {"poll": f"/channels/voice/recordings/{row.call_id}"}
    return JSONResponse(body, status_code=202 if created else 200)


@router.get("/recordings/{call_id}", summary="Draft and transfer instruction (platform, signed)")
async def get_recording(
    call_id: str,
    _: Signed,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS)] = 0.0,
) -> dict[str, Any]:
    row = await voice_phone.recording_for(call_id=call_id)
    deadline = asyncio.get_running_loop().time() + wait
    while row.status == "received" and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
        row = await voice_phone.recording_for(call_id=call_id)
    return _recording_view(row)


class CallIn(BaseModel):
    call_id: str = Field(min_length=1, max_length=64)
    outcome: str = Field(pattern="^(answered|abandoned|offered)$")
    offered_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    caller: str = ""
    agent_id: str = ""


@router.post("/calls", summary="A call record for the answer-rate KPI (platform, signed)")
async def post_call(body: Signed) -> dict[str, Any]:
    try:
        event = CallIn.model_validate_json(body)
    except ValueError as exc:
        raise InvalidInput(str(exc)[:200]) from exc
    row = await voice_phone.record_call(voice_phone.CallEvent(**event.model_dump()))
    return {"call_id": row.call_id, "outcome": row.outcome, "wait_seconds": row.wait_seconds}


@router.get("/call-tasks", summary="Pending outbound calls with their prompts (platform, signed)")
async def get_call_tasks(
    settings: SettingsDep,
    _: Signed,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[dict[str, Any]]:
    rows = await voice_survey.claim_pending(now=datetime.now(UTC), limit=limit)
    base = f"{settings.public_base_url}/channels/voice"
    out = []
    for row in rows:
        prompt, _path = await asyncio.to_thread(render_prompt, settings, row.prompt_text)
        out.append(
            {
                "id": row.id,
                "phone": voice_survey.phone_of(row, secret_key=settings.secret_key),
                "purpose": row.purpose,
                "attempt": row.attempts,
                "prompt_url": f"{base}/prompts/{prompt}.wav",
                "result_url": f"{base}/call-tasks/{row.id}/result",
            }
        )
    return out


@router.post("/call-tasks/{task_id}/result", summary="What a call brought (platform, signed)")
async def post_call_result(
    task_id: int, request: Request, settings: SettingsDep, _: Signed
) -> JSONResponse:
    fields, recording = await _form(request)
    row, needs_asr = await voice_survey.record_result(
        task_id=task_id,
        settings=settings,
        outcome=fields.get("outcome", "answered"),
        digits=fields.get("digits", ""),
        recording=recording,
        now=datetime.now(UTC),
    )
    if needs_asr:
        await CeleryJobs(settings).enqueue("voice.transcribe_call_answer", call_task_id=row.id)
    elif row.status == "parsed" and row.on_result:
        await CeleryJobs(settings).enqueue(row.on_result, call_task_id=row.id)
    body = {"id": row.id, "status": row.status, "answer": row.answer or None}
    return JSONResponse(body, status_code=202 if needs_asr else 200)


@router.get("/prompts/{name}.wav", summary="A rendered prompt (8 kHz WAV, no personal data)")
async def get_prompt(name: str, settings: SettingsDep) -> FileResponse:
    path = cached_prompt(settings, name)
    if path is None:
        raise NotFound(f"prompt {name}")
    return FileResponse(path, media_type="audio/wav")


@router.get("/drafts", summary="Call drafts waiting for an agent (staff)")
async def get_drafts(user: Staff, mine: bool = True) -> list[dict[str, Any]]:
    rows = await voice_phone.list_drafts(agent_id=user.username if mine else "")
    return [
        _recording_view(row)
        | {"id": row.id, "agent_id": row.agent_id, "caller": row.caller_masked, "error": row.error}
        for row in rows
    ]


class ConfirmIn(BaseModel):
    description: str = Field(default="", max_length=4000)
    kind: str = ""
    category: str | None = None
    scope: str = ""
    location: str = Field(default="", max_length=255)
    contact_phone: str = ""
    region_code: str = ""


@router.post("/drafts/{recording_id}/confirm", summary="Confirm a draft into a ticket (staff)")
async def confirm(
    recording_id: int, body: ConfirmIn, user: Staff, settings: SettingsDep
) -> dict[str, str]:
    number = await voice_phone.confirm_draft(
        recording_id=recording_id,
        edits=voice_phone.DraftEdits(**body.model_dump()),
        staff_id=user.id,
        config=intake_config(settings),
        now=datetime.now(UTC),
    )
    return {"ticket_number": number}


@router.post("/drafts/{recording_id}/dismiss", status_code=204, summary="No ticket (staff)")
async def dismiss(recording_id: int, user: Staff) -> None:
    await voice_phone.dismiss_draft(recording_id=recording_id, staff_id=user.id)


@router.get("/calls/stats", summary="Offered, answered, abandoned calls and answer rate (staff)")
async def stats(
    _: Staff, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    until = until or datetime.now(UTC)
    result = await voice_phone.call_stats(since=since or until - timedelta(days=1), until=until)
    return asdict(result)
