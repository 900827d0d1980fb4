"""Long polling (development): updates from getUpdates take the webhook's path, stored and
queued, and the offset only moves past what is stored."""

from __future__ import annotations

import asyncio
import json
import signal

from channels.telegram.client import open_bot
from channels.telegram.config import telegram_config
from channels.telegram.models import TelegramUpdate
from channels.telegram.polling import poll, poll_once
from tests.e2e.helpers import service_env, start
from tests.inprocess import take_queued
from tests.telegram.conftest import JobRunner, deps_for
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.telegram.tg import Person

COMPLAINT = "鼓楼区五一北路88号门口的路灯坏了一个星期，晚上走路很危险"


async def test_polled_updates_are_stored_queued_and_answered(
    tg_db: None, tg_settings, run_jobs: JobRunner, fake_api: FakeBotApi
):
    su = Person(chat_id=9990001)
    first, second = su.text("/start"), su.text(COMPLAINT)
    fake_api.updates = [first, second]
    jobs = deps_for(tg_settings).jobs
    async with open_bot(telegram_config(tg_settings)) as bot:
        offset = await poll_once(bot=bot, jobs=jobs, offset=None, timeout=0)
        assert offset == second["update_id"] + 1
        # Restarted before Telegram saw the new offset: the same updates again, stored once.
        assert await poll_once(bot=bot, jobs=jobs, offset=None, timeout=0) == offset
        assert await poll_once(bot=bot, jobs=jobs, offset=offset, timeout=0) == offset
    assert await TelegramUpdate.all().count() == 2
    ran = await run_jobs()
    assert ran.count("telegram.process_update") == 4  # queued again while pending; safe
    texts = fake_api.texts_to(su.chat_id)
    assert len(texts) == 2 and "/status" in texts[0] and "手机号码" in texts[1]
    # Stored as Telegram sent it, field names included ("from", not aiogram's "from_user").
    stored = await TelegramUpdate.get(update_id=first["update_id"])
    assert stored.payload["message"]["from"]["id"] == su.chat_id


async def test_poll_removes_the_webhook_publishes_the_menu_and_stops_on_request(
    tg_db: None, tg_settings, fake_api: FakeBotApi
):
    fake_api.webhook = {"url": "https://old.example/hook"}
    stop = asyncio.Event()
    task = asyncio.create_task(
        poll(telegram_config(tg_settings), jobs=deps_for(tg_settings).jobs, stop=stop, timeout=0)
    )
    while not fake_api.called("getUpdates"):
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert fake_api.webhook == {}
    menus = fake_api.called("setMyCommands")
    assert [m.get("language_code") for m in menus] == [None, "en"]
    chinese, english = (json.loads(menu["commands"]) for menu in menus)
    assert [c["command"] for c in chinese] == ["new", "status", "my", "cancel", "help"]
    assert chinese[0]["description"] == "反映一个新问题"
    assert english[0]["description"] == "Report a new problem"


async def test_the_poll_command_stores_updates_and_stops_on_sigterm(
    tg_db: None, tg_settings, fake_api: FakeBotApi, tmp_path
):
    kong = Person(chat_id=9990002)
    update = kong.text(COMPLAINT)
    fake_api.updates = [update]
    env = service_env(
        tg_settings,
        HOTLINE_TELEGRAM_ENABLED="true",
        HOTLINE_TELEGRAM_BOT_TOKEN=TOKEN,
        HOTLINE_TELEGRAM_API_BASE=fake_api.base_url,
    )
    log = tmp_path / "poll.log"
    poller = start(["telegram", "poll", "--timeout", "1"], env, log)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not await TelegramUpdate.exists(update_id=update["update_id"]):
            assert poller.poll() is None and loop.time() < deadline, log.read_text()[-3000:]
            await asyncio.sleep(0.2)
    finally:
        poller.send_signal(signal.SIGTERM)
        code = poller.wait(timeout=30)
    assert code == 0, log.read_text()[-3000:]
    assert take_queued(tg_settings)[0][0] == "telegram.process_update"  # queued for the worker
