"""Celery tasks of notify/: deliver one notification, and the periodic sweeps."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from celery import Task

from hotline.celery_app import hotline_task
from hotline.settings import Settings, get_settings
from notify import delivery, surveys, voice_surveys
from notify.outbox import enqueue_delivery, install

logger = logging.getLogger(__name__)


def _ready() -> None:
    # Worker processes write notifications too (deadline watch): make sure they do.
    install(get_settings())


def backoff(retries: int) -> float:
    """Seconds before the next try of a delivery that has been retried ``retries`` times."""
    return float(min(600, 2 ** (retries + 2)))


@hotline_task("notify.deliver", bind=True, max_retries=None)
async def deliver(self: Task, notification_id: int) -> str:
    """Deliver one outbox row; retriable failures come back with exponential back-off."""
    _ready()
    settings = get_settings()
    outcome = await delivery.deliver(
        notification_id=notification_id, settings=settings, now=datetime.now(UTC)
    )
    if outcome.status == "retry":
        if self.request.retries + 1 >= settings.notify_max_attempts:
            await delivery.give_up(notification_id=notification_id)
            return "undeliverable"
        countdown = outcome.retry_after or backoff(self.request.retries)
        raise self.retry(countdown=countdown)
    return outcome.status


@hotline_task("notify.deliver_batch")
async def deliver_batch(notification_ids: list[int]) -> dict[str, int]:
    """Deliver many outbox rows, one after the other, each exactly as ``notify.deliver`` does
    (claimed first, so a redelivered batch skips what it already sent). A retriable failure
    goes on as its own ``notify.deliver`` with the usual back-off; the rest of the batch still
    goes."""
    _ready()
    return await deliver_each(notification_ids, settings=get_settings())


async def deliver_each(notification_ids: list[int], *, settings: Settings) -> dict[str, int]:
    counts: dict[str, int] = {}
    for notification_id in notification_ids:
        try:
            outcome = await delivery.deliver(
                notification_id=notification_id, settings=settings, now=datetime.now(UTC)
            )
            status = outcome.status
            if status == "retry":
                # This was attempt 1 of notify.deliver's count: go on from its first retry.
                if settings.notify_max_attempts <= 1:
                    await delivery.give_up(notification_id=notification_id)
                    status = "undeliverable"
                else:
                    deliver.apply_async(
                        (notification_id,), countdown=outcome.retry_after or backoff(0), retries=1
                    )
        except Exception:
            # Left pending (the sweep publishes it again) or sending (flagged uncertain).
            logger.exception("delivering notification %s failed", notification_id)
            status = "error"
        counts[status] = counts.get(status, 0) + 1
    return counts


@hotline_task("notify.sweep")
async def sweep() -> dict[str, int]:
    """Publish what is due (quiet hours over, or a lost publish) and flag dead senders."""
    _ready()
    now = datetime.now(UTC)
    due = await delivery.due_for_sending(now=now)
    for notification_id in due:
        await enqueue_delivery(notification_id)
    uncertain = await delivery.mark_stale_claims(now=now)
    return {"published": len(due), "uncertain": uncertain}


@hotline_task("notify.surveys")
async def survey_round() -> dict[str, int]:
    """Send surveys that are due, remind, and close unanswered ones as no_response."""
    _ready()
    return await surveys.run_round(settings=get_settings(), now=datetime.now(UTC))


@hotline_task("notify.voice_survey_answer")
async def voice_survey_answer(call_task_id: int) -> str:
    """A survey call's answer is in (keys parsed, or a recording transcribed): record it."""
    _ready()
    return await voice_surveys.take_call_answer(call_task_id=call_task_id, now=datetime.now(UTC))
