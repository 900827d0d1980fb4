"""Nothing Telegram delivered is lost: a failed publish, a dead worker or flood control only
delay an update; the sweep queues stale ones again; a hopeless one is given up, visibly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from channels.telegram import inbound, store
from channels.telegram.client import open_bot
from channels.telegram.config import telegram_config
from channels.telegram.errors import RetriableTelegramError
from channels.telegram.models import TelegramMedia, TelegramUpdate
from channels.telegram.sweep import sweep
from intake.models import InboundMessage
from tests.inprocess import take_queued
from tests.telegram.conftest import JobRunner, deps_for
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.tg import Person, post

COMPLAINT = "鼓楼区五一北路88号门口的路灯坏了一个星期，晚上走路很危险"


class BrokerDown:
    async def enqueue(self, task: str, **kwargs: Any) -> None:
        raise ConnectionRefusedError("broker unreachable")


async def test_an_update_stored_while_the_broker_is_down_is_swept_up_later(
    tg_db: None, tg_settings, run_jobs: JobRunner, fake_api: FakeBotApi
):
    ma = Person(chat_id=8880001)
    now = datetime.now(UTC)
    row = await store.accept(ma.text(COMPLAINT), jobs=BrokerDown(), now=now)
    assert row.status == "pending"  # stored: the webhook answered 200 and loses nothing
    assert take_queued(tg_settings) == []
    config = telegram_config(tg_settings)
    jobs = deps_for(tg_settings).jobs
    assert await sweep(config=config, jobs=jobs, now=now) == {"updates": 0, "media": 0}
    later = now + timedelta(seconds=config.sweep_after_seconds + 1)
    assert await sweep(config=config, jobs=jobs, now=later) == {"updates": 1, "media": 0}
    assert await run_jobs() == ["telegram.process_update"]
    assert (await TelegramUpdate.get(id=row.id)).status == "done"
    assert "手机号码" in fake_api.texts_to(ma.chat_id)[-1]
    # Once done, the sweep leaves it alone.
    assert await sweep(config=config, jobs=jobs, now=later + timedelta(hours=1)) == {
        "updates": 0,
        "media": 0,
    }


async def test_media_left_pending_is_fetched_again(
    tg_db: None, tg_settings, run_jobs: JobRunner, fake_api: FakeBotApi
):
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 40 + b"\xff\xd9"
    fake_api.add_file("PHOTO-9", jpeg, "photos/file_9.jpg")
    stale = datetime.now(UTC) - timedelta(hours=1)
    row = await TelegramMedia.create(
        update_id=1,
        chat_id=8880002,
        file_id="PHOTO-9",
        kind="image",
        ref="telegram/1-image",
        content_type="image/jpeg",
        enqueued_at=stale,
    )
    config = telegram_config(tg_settings)
    result = await sweep(config=config, jobs=deps_for(tg_settings).jobs, now=datetime.now(UTC))
    assert result == {"updates": 0, "media": 1}
    assert await run_jobs() == ["telegram.fetch_media"]
    assert (await TelegramMedia.get(id=row.id)).status == "stored"


async def test_flood_control_while_replying_retries_without_a_second_turn_or_message(
    server_url: str, http: httpx.AsyncClient, run_jobs: JobRunner, fake_api: FakeBotApi
):
    yang = Person(chat_id=8880003)
    fake_api.fail("sendMessage", status=429, description="Too Many Requests", retry_after=3)
    assert (await post(http, server_url, yang.text(COMPLAINT))).status_code == 200
    ran = await run_jobs()
    assert ran == [
        "telegram.process_update",
        "retry:telegram.process_update",
        "telegram.process_update",
    ]
    assert len(fake_api.texts_to(yang.chat_id)) == 1
    assert await InboundMessage.filter(channel="telegram").count() == 1
    row = await TelegramUpdate.get(update_id=yang.sent[-1]["update_id"])
    assert row.status == "done" and row.attempts == 2


async def test_an_update_that_keeps_failing_is_given_up_after_max_attempts(
    tg_db: None, tg_settings, fake_api: FakeBotApi
):
    chu = Person(chat_id=8880005)
    row = await TelegramUpdate.create(update_id=43, payload=chu.text(COMPLAINT))
    config = telegram_config(tg_settings)
    fake_api.fail("sendMessage", times=config.max_attempts, status=500)
    async with open_bot(config) as bot:
        for _ in range(config.max_attempts):
            with pytest.raises(RetriableTelegramError):
                await inbound.process(
                    update_row_id=row.id,
                    bot=bot,
                    deps=deps_for(tg_settings),
                    max_attempts=config.max_attempts,
                )
        status = await inbound.process(
            update_row_id=row.id,
            bot=bot,
            deps=deps_for(tg_settings),
            max_attempts=config.max_attempts,
        )
    stored = await TelegramUpdate.get(id=row.id)
    assert status == stored.status == "failed" and "gave up" in stored.error


async def test_a_payload_that_is_no_update_fails_without_retries(
    tg_db: None, tg_settings, fake_api: FakeBotApi
):
    row = await TelegramUpdate.create(update_id=44, payload={"update_id": 44, "message": {"x": 1}})
    config = telegram_config(tg_settings)
    async with open_bot(config) as bot:
        status = await inbound.process(
            update_row_id=row.id, bot=bot, deps=deps_for(tg_settings), max_attempts=3
        )
    assert status == "failed"
    assert "not a valid update" in (await TelegramUpdate.get(id=row.id)).error


class Recorded:
    def __init__(self) -> None:
        self.queued: list[tuple[str, dict[str, Any]]] = []

    async def enqueue(self, task: str, **kwargs: Any) -> None:
        self.queued.append((task, kwargs))


async def test_a_chats_updates_are_handled_in_order_whichever_worker_runs_first(
    tg_db: None, tg_settings, fake_api: FakeBotApi
):
    """Telegram may deliver two quick messages in parallel and two workers may pick them up in
    any order: the phone number must not be read before the request it answers."""
    hu = Person(chat_id=8880006)
    jobs, now = Recorded(), datetime.now(UTC)
    described = await store.accept(hu.text(COMPLAINT), jobs=jobs, now=now)
    phoned = await store.accept(hu.text("13800138000"), jobs=jobs, now=now)
    assert described.chat_id == phoned.chat_id == hu.chat_id
    config = telegram_config(tg_settings)
    async with open_bot(config) as bot:
        deps = deps_for(tg_settings)
        # The worker that got the later update runs first ...
        assert (
            await inbound.process(
                update_row_id=phoned.id, bot=bot, deps=deps, max_attempts=config.max_attempts
            )
            == "done"
        )
        # ... and the other finds its update done.
        assert (
            await inbound.process(
                update_row_id=described.id, bot=bot, deps=deps, max_attempts=config.max_attempts
            )
            == "done"
        )
    texts = fake_api.texts_to(hu.chat_id)
    assert len(texts) == 2 and "手机号码" in texts[0] and "请核对" in texts[1]
