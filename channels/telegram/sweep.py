"""The safety net (Celery beat, every minute): updates and media still pending long after they
were queued are queued again. Publishing can fail after the row was stored, a worker can die
mid-task; running a task twice is safe, losing it is not."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.expressions import Q

from channels.jobs import Jobs
from channels.telegram import store
from channels.telegram.config import TelegramConfig
from channels.telegram.models import PENDING, TelegramMedia, TelegramUpdate

BATCH = 500


async def sweep(*, config: TelegramConfig, jobs: Jobs, now: datetime) -> dict[str, int]:
    cutoff = now - timedelta(seconds=config.sweep_after_seconds)
    stale = Q(enqueued_at__lt=cutoff) | Q(enqueued_at__isnull=True)
    updates = await TelegramUpdate.filter(stale, status=PENDING).order_by("id").limit(BATCH)
    for row in updates:
        await store.enqueue(row, jobs=jobs, now=now)
    media = await TelegramMedia.filter(stale, status=PENDING).order_by("id").limit(BATCH)
    for item in media:
        await TelegramMedia.filter(id=item.id).update(enqueued_at=now)
        await jobs.enqueue("telegram.fetch_media", media_row_id=item.id)
    return {"updates": len(updates), "media": len(media)}
