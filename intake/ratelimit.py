"""Fixed-window rate limits kept in the database, so every API process shares them."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from intake.counters import increment
from intake.errors import RateLimited
from intake.models import RateCounter


async def enforce(*, key: str, limit: int, window_seconds: int, now: datetime) -> None:
    """Count one hit on ``key``; RateLimited once the window already holds ``limit`` hits."""
    stamp = int(now.timestamp())
    window = stamp - stamp % window_seconds  # the window's start, in seconds
    async with in_transaction():
        count = await increment(
            table="rate_counter", keys={"key": key[:128], "window_start": window}
        )
    if count > limit:
        raise RateLimited(key)


async def purge(*, now: datetime, keep_seconds: int = 86_400) -> int:
    """Drop counters of windows that started more than ``keep_seconds`` ago (housekeeping)."""
    return await RateCounter.filter(window_start__lt=int(now.timestamp()) - keep_seconds).delete()
