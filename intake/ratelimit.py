"""Fixed-window rate limits kept in the database, so every API process shares them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from intake.counters import increment_each
from intake.errors import RateLimited
from intake.models import RateCounter


async def enforce(*, key: str, limit: int, window_seconds: int, now: datetime) -> None:
    """Count one hit on ``key``; RateLimited once the window already holds ``limit`` hits."""
    await enforce_all(keys=(key,), limit=limit, window_seconds=window_seconds, now=now)


async def enforce_all(
    *, keys: Sequence[str], limit: int, window_seconds: int, now: datetime
) -> None:
    """Count one hit on each key, in one statement (one commit for a lookup that is limited
    both per client and per ticket); RateLimited when any of them is over ``limit``."""
    stamp = int(now.timestamp())
    window = stamp - stamp % window_seconds  # the window's start, in seconds
    distinct = list(dict.fromkeys(key[:128] for key in keys))
    counts = await increment_each(
        table="rate_counter",
        names=("key", "window_start"),
        rows=[(key, window) for key in distinct],
    )
    for key, count in zip(distinct, counts, strict=True):
        if count > limit:
            raise RateLimited(key)


async def purge(*, now: datetime, keep_seconds: int = 86_400) -> int:
    """Drop counters of windows that started more than ``keep_seconds`` ago (housekeeping)."""
    return await RateCounter.filter(window_start__lt=int(now.timestamp()) - keep_seconds).delete()
