"""Periodic work of the intake domain, run by Celery beat."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from hotline.celery_app import hotline_task
from hotline.settings import get_settings
from intake import citizen_auth, ratelimit
from intake.deadlines import check_deadlines as check_deadlines_now
from intake.models import Conversation

logger = logging.getLogger(__name__)


@hotline_task("intake.check_deadlines")
async def check_deadlines() -> dict[str, int]:
    """Warn before a deadline, and put overdue tickets under supervision (督办)."""
    settings = get_settings()
    result = await check_deadlines_now(
        now=datetime.now(UTC), warning=timedelta(hours=settings.deadline_warning_hours)
    )
    logger.info("deadline check: %s", result)
    return result


@hotline_task("intake.housekeeping")
async def housekeeping() -> dict[str, int]:
    """Expire idle conversations and drop old rate-limit counters."""
    now = datetime.now(UTC)
    expired = await Conversation.filter(
        expires_at__lt=now, step__not_in=["idle", "expired"], handoff=False
    ).update(step="expired", slots={})
    purged = await ratelimit.purge(now=now)
    stale_sign_ins = await citizen_auth.purge(now=now)
    return {
        "expired_conversations": expired,
        "purged_counters": purged,
        "purged_sign_ins": stale_sign_ins,
    }
