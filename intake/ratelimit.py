"""Fixed-window rate limits kept in the database, so every API process shares them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from intake.counters import RATE_KEYS, increment_each
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
    counters = windows(keys=keys, window_seconds=window_seconds, now=now)
    counts = await increment_each(table="rate_counter", names=RATE_KEYS, rows=counters)
    check(max(counts), keys=keys, limit=limit)


def windows(*, keys: Sequence[str], window_seconds: int, now: datetime) -> list[tuple[str, int]]:
    """The counter rows ``(key, window start)`` one hit on ``keys`` counts on."""
    stamp = int(now.timestamp())
    window = stamp - stamp % window_seconds  # the window's start, in seconds
    return [(key, window) for key in dict.fromkeys(key[:128] for key in keys)]


def check(highest: int, *, keys: Sequence[str], limit: int) -> None:
    """RateLimited when the highest count among ``keys`` has gone over ``limit``."""
    if highest > limit:
        raise RateLimited(",".join(keys))


async def purge(*, now: datetime, keep_seconds: int = 86_400) -> int:
    """Drop counters of windows that started more than ``keep_seconds`` ago (housekeeping)."""
    return await RateCounter.filter(window_start__lt=int(now.timestamp()) - keep_seconds).delete()
