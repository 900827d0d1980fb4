"""Fixtures of the Telegram tests: settings with the channel on, the fake Bot API, the app
served by a real uvicorn on 127.0.0.1, and a way to run the jobs the webhook queued, in-process,
as the worker would."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise

from api.app import create_app
from channels import voice_intake
from channels.jobs import CeleryJobs
from channels.telegram import inbound, media, voice
from channels.telegram.client import open_bot
from channels.telegram.config import telegram_config
from channels.telegram.errors import TelegramError
from channels.telegram.sweep import sweep
from channels.telegram.turns import Deps
from hotline.settings import Settings
from intake.config import intake_config
from tests.conftest import POSTGRES_URL, make_settings
from tests.inprocess import serve, take_queued
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.telegram.tg import SECRET

TELEGRAM_TABLES = (
    "telegram_update",
    "telegram_chat",
    "telegram_media",
    "telegram_delivery",
    "voice_transcript",  # voice notes go through the shared voice pipeline
)


@pytest.fixture(scope="session", autouse=True)
def _celery_configured_away_from_cwd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The Celery app configures itself once from the environment; point that at a temporary
    folder so publishing from tests never creates data/ in the working directory."""
    from hotline.celery_app import app
    from hotline.settings import reset_settings_cache

    previous = os.environ.get("HOTLINE_DATA_DIR")
    os.environ["HOTLINE_DATA_DIR"] = str(tmp_path_factory.mktemp("celery-env"))
    reset_settings_cache()
    try:
        assert app.conf.task_default_queue == "hotline"
    finally:
        if previous is None:
            os.environ.pop("HOTLINE_DATA_DIR", None)
        else:
            os.environ["HOTLINE_DATA_DIR"] = previous
        reset_settings_cache()
    yield


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    fake = FakeBotApi().start()
    try:
        yield fake
    finally:
        fake.stop()


def telegram_settings(data_dir: Path, fake: FakeBotApi, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "broker_url": "",  # each test's own embedded broker: queued jobs cannot leak between tests
        "telegram_enabled": True,
        "telegram_bot_token": TOKEN,
        "telegram_webhook_secret": SECRET,
        "telegram_api_base": fake.base_url,
        "telegram_api_timeout_seconds": 2.0,
        "public_base_url": "https://hotline.example.gov.cn",
    }
    values.update(overrides)
    return make_settings(data_dir, **values)


@pytest.fixture
def tg_settings(settings: Settings, fake_api: FakeBotApi) -> Settings:
    return telegram_settings(settings.data_dir, fake_api)


@pytest.fixture
async def tg_db(db: None, tg_settings: Settings) -> AsyncIterator[None]:
    """The test database, with the channel's tables emptied too on PostgreSQL."""
    if POSTGRES_URL:
        await Tortoise.get_connection("default").execute_script(
            f"TRUNCATE {', '.join(TELEGRAM_TABLES)} RESTART IDENTITY CASCADE;"
        )
    yield


@pytest.fixture
async def server_url(tg_db: None, tg_settings: Settings) -> AsyncIterator[str]:
    url, stop = await serve(create_app(tg_settings, manage_db=False))
    try:
        yield url
    finally:
        await stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def deps_for(settings: Settings) -> Deps:
    return Deps(settings=settings, intake=intake_config(settings), jobs=CeleryJobs(settings))


JobRunner = Callable[[], Awaitable[list[str]]]


@pytest.fixture
def run_jobs(tg_settings: Settings) -> JobRunner:
    """Run every job queued on the broker, in-process, with the worker's dependencies (the
    bodies of ``channels.telegram.tasks`` and ``voice.transcribe_message``); returns the task
    names in the order run. A retriable failure is re-queued, as the task's retry would."""

    async def run() -> list[str]:
        ran: list[str] = []
        config = telegram_config(tg_settings)
        deps = deps_for(tg_settings)
        async with open_bot(config) as bot:
            while jobs := await asyncio.to_thread(take_queued, tg_settings):
                for name, kwargs in jobs:
                    ran.append(name)
                    try:
                        if name == "telegram.process_update":
                            await inbound.process(
                                bot=bot, deps=deps, max_attempts=config.max_attempts, **kwargs
                            )
                        elif name == "telegram.fetch_media":
                            await media.fetch(
                                bot=bot, settings=tg_settings, jobs=deps.jobs, **kwargs
                            )
                        elif name == "voice.transcribe_message":
                            await voice_intake.continue_and_hand_back(
                                settings=tg_settings, config=deps.intake, jobs=deps.jobs, **kwargs
                            )
                        elif name == "telegram.reply_voice":
                            await voice.send_transcribed_turn(
                                external_id=kwargs["external_id"], bot=bot, intake=deps.intake
                            )
                        elif name == "telegram.sweep":
                            await sweep(config=config, jobs=deps.jobs, now=datetime.now(UTC))
                        else:
                            raise AssertionError(f"unexpected job {name}")
                    except TelegramError as exc:
                        assert exc.retriable, exc
                        assert ran.count(f"retry:{name}") < 10, "retrying forever"
                        ran.append(f"retry:{name}")
                        await deps.jobs.enqueue(name, **kwargs)
        return ran

    return run
