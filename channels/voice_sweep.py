"""Voice work left behind: rows waiting for a transcription job that never ran.

Jobs are published after their row commits; a crash between the two, or a worker that died
mid-task (``acks_late`` redelivers most of those), would leave a row waiting forever. Rows
older than ``STALE_AFTER`` still waiting are handed out again; every task is safe to run twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from channels.voice_models import CallRecording, CallTask, VoiceTranscript

STALE_AFTER = timedelta(minutes=5)


async def stale_work(*, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """(task name, kwargs) of every voice job that should have run by now."""
    before = now - STALE_AFTER
    work: list[tuple[str, dict[str, Any]]] = []
    for transcript_id in await VoiceTranscript.filter(
        status="pending", updated_at__lt=before
    ).values_list("id", flat=True):
        work.append(("voice.transcribe_message", {"transcript_id": transcript_id}))
    for recording_id in await CallRecording.filter(
        status="received", updated_at__lt=before
    ).values_list("id", flat=True):
        work.append(("voice.transcribe_call", {"recording_id": recording_id}))
    for task_id in await CallTask.filter(status="answered", updated_at__lt=before).values_list(
        "id", flat=True
    ):
        work.append(("voice.transcribe_call_answer", {"call_task_id": task_id}))
    return work
