"""Celery tasks of speech recognition: thin wrappers over ``voice_intake``, ``voice_phone``
and ``voice_survey``. Transcription takes seconds of CPU, so it only ever runs here, in the
worker, which keeps the ASR model loaded between tasks. Audio the engine cannot take, or an
engine that is not installed, is recorded on the row (permanent, no retry)."""

from __future__ import annotations

from datetime import UTC, datetime

from channels import voice_intake, voice_phone, voice_survey, voice_sweep
from channels.jobs import CeleryJobs
from hotline.celery_app import hotline_task
from hotline.settings import get_settings
from intake.config import intake_config


@hotline_task("voice.transcribe_message")
async def transcribe_message(transcript_id: int) -> None:
    """Transcribe a citizen's voice message and continue their conversation with the words;
    then enqueue the channel's reply task (with channel, sender, external_id)."""
    settings = get_settings()
    await voice_intake.continue_and_hand_back(
        transcript_id=transcript_id,
        settings=settings,
        config=intake_config(settings),
        jobs=CeleryJobs(settings),
    )


@hotline_task("voice.transcribe_call")
async def transcribe_call(recording_id: int) -> None:
    """Transcribe and triage a hotline call's recording into the agent's draft."""
    await voice_phone.transcribe_recording(recording_id=recording_id, settings=get_settings())


@hotline_task("voice.transcribe_call_answer")
async def transcribe_call_answer(call_task_id: int) -> None:
    """Transcribe and parse a recorded survey answer; then tell the survey code."""
    settings = get_settings()
    row = await voice_survey.transcribe_answer(task_id=call_task_id, settings=settings)
    if row.on_result:
        await CeleryJobs(settings).enqueue(row.on_result, call_task_id=row.id)


@hotline_task("voice.sweep")
async def sweep() -> dict[str, int]:
    """Beat: transcribe recordings uploaded with tickets from the app, and re-enqueue voice
    work whose job was lost (published nowhere, or a worker died), replies to transcribed
    voice messages included: nothing heard is lost, and every citizen is answered."""
    settings = get_settings()
    requeued = await voice_sweep.requeue(jobs=CeleryJobs(settings), now=datetime.now(UTC))
    uploads = await voice_intake.transcribe_ticket_uploads(settings=settings)
    return {"requeued": requeued, "uploads": uploads}
