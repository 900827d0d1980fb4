"""Voice work left behind: rows waiting for a transcription job that never ran, and
transcribed voice messages whose replies never reached the channel.

Jobs are published after their row commits; a crash between the two, or a worker that died
mid-task (``acks_late`` redelivers most of those), would leave a row waiting forever. Rows
older than ``STALE_AFTER`` still waiting are handed out again; every task is safe to run twice.
A chat channel's reply task (``VoiceTranscript.reply_task``) is queued again for a transcribed
row it has not marked replied: sending is deduplicated by the channel, so the citizen hears the
turn's replies once. That stops after ``REPLY_WITHIN``: a reply a day late answers nothing, and
a task that cannot run (a channel switched off) would otherwise be queued forever.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from channels.jobs import Jobs
from channels.voice_models import CallRecording, CallTask, VoiceTranscript

STALE_AFTER = timedelta(minutes=5)
REPLY_WITHIN = timedelta(days=1)


async def stale_work(*, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """(task name, kwargs) of every voice job that should have run by now."""
    before = now - STALE_AFTER
    work: list[tuple[str, dict[str, Any]]] = []
    for transcript_id in await VoiceTranscript.filter(
        status="pending", updated_at__lt=before
    ).values_list("id", flat=True):
        work.append(("voice.transcribe_message", {"transcript_id": transcript_id}))
    unreplied = await VoiceTranscript.filter(
        status__in=("done", "failed"),
        replied_at__isnull=True,
        updated_at__lt=before,
        created_at__gte=now - REPLY_WITHIN,
    ).exclude(reply_task="")
    for row in unreplied:
        keys = {"channel": row.channel, "sender": row.sender, "external_id": row.external_id}
        work.append((row.reply_task, keys))
    if unreplied:
        # Handed out now: not again before ``STALE_AFTER``, while this reply may be under way.
        ids = [row.id for row in unreplied]
        await VoiceTranscript.filter(id__in=ids).update(updated_at=now)
    for recording_id in await CallRecording.filter(
        status="received", updated_at__lt=before
    ).values_list("id", flat=True):
        work.append(("voice.transcribe_call", {"recording_id": recording_id}))
    for task_id in await CallTask.filter(status="answered", updated_at__lt=before).values_list(
        "id", flat=True
    ):
        work.append(("voice.transcribe_call_answer", {"call_task_id": task_id}))
    return work


async def requeue(*, jobs: Jobs, now: datetime) -> int:
    """Publish every job of ``stale_work`` again (the ``voice.sweep`` beat); how many."""
    stale = await stale_work(now=now)
    for task, kwargs in stale:
        await jobs.enqueue(task, **kwargs)
    return len(stale)
