"""Ticket numbers: format, daily sequence, uniqueness under many concurrent creators."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from intake.models import Ticket
from tests.factories import ticket as make_ticket


async def test_number_format_and_daily_sequence(db, config, now):
    first = (await make_ticket(config, now=now)).ticket.number
    second = (await make_ticket(config, now=now, region="XM")).ticket.number
    third = (await make_ticket(config, now=now, description="另一件事，公交站台破损")).ticket.number
    next_day = (
        await make_ticket(config, now=now + timedelta(days=1), description="第二天的事")
    ).ticket.number
    assert re.fullmatch(r"FZ20261127\d{6}", first)
    assert first == "FZ20261127000001" and third == "FZ20261127000002"
    assert second == "XM20261127000001"  # each region counts on its own
    assert next_day == "FZ20261128000001"  # and each day starts again


async def test_date_in_number_is_the_local_day(db, config, now):
    # 23:30 UTC on the 26th is already the 27th in Fujian.
    utc_late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    number = (await make_ticket(config, now=utc_late)).ticket.number
    assert number.startswith("FZ20261127")


async def test_many_concurrent_creators_get_distinct_consecutive_numbers(db, config, now):
    creators = 60

    async def create(i: int) -> str:
        async with in_transaction():
            created = await make_ticket(
                config, now=now, description=f"并发测试第{i}件", phone=f"139{i:08d}"
            )
            return created.ticket.number

    numbers = await asyncio.gather(*(create(i) for i in range(creators)))
    assert len(set(numbers)) == creators
    sequence = sorted(int(n[-6:]) for n in numbers)
    assert sequence == list(range(1, creators + 1))
    assert await Ticket.all().count() == creators
