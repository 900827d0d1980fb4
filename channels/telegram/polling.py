"""Long polling for development (``hotline telegram poll``): no public HTTPS address needed.

Each update goes through ``inbound.accept`` exactly as the webhook's do (stored, then queued
for the worker), so development runs the production path; only the transport differs. The
offset moves past an update only after it is stored: a crash loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import UTC, datetime

from aiogram import Bot

from channels.jobs import CeleryJobs, Jobs
from channels.telegram import store
from channels.telegram.admin import publish_commands
from channels.telegram.client import call, open_bot
from channels.telegram.config import ALLOWED_UPDATES, TelegramConfig, telegram_config
from channels.telegram.errors import RetriableTelegramError
from hotline.db import close_db, init_db
from hotline.settings import Settings

logger = logging.getLogger(__name__)


async def poll_once(*, bot: Bot, jobs: Jobs, offset: int | None, timeout: int) -> int | None:
    """Fetch and accept one batch; returns the next offset."""
    updates = await call(
        bot.get_updates(
            offset=offset,
            timeout=timeout,
            allowed_updates=list(ALLOWED_UPDATES),
            request_timeout=timeout + 10,
        )
    )
    for update in updates:
        payload = update.model_dump(mode="json", by_alias=True, exclude_none=True)
        await store.accept(payload, jobs=jobs, now=datetime.now(UTC))
        offset = update.update_id + 1
    return offset


async def poll(
    config: TelegramConfig, *, jobs: Jobs, stop: asyncio.Event, timeout: int = 25
) -> None:
    """Poll until ``stop`` is set. A webhook, if any, is removed (Telegram allows one or the
    other)."""
    async with open_bot(config) as bot:
        await call(bot.delete_webhook(drop_pending_updates=False))
        await publish_commands(bot)
        offset: int | None = None
        while not stop.is_set():
            try:
                offset = await poll_once(bot=bot, jobs=jobs, offset=offset, timeout=timeout)
            except RetriableTelegramError as exc:
                logger.warning("telegram polling: %s; retrying", exc.message)
                await _wait(stop, min(exc.retry_after, 30.0))


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def run_polling(settings: Settings, *, timeout: int = 25) -> int:
    """``hotline telegram poll``: poll until Ctrl-C or SIGTERM; returns the exit code."""
    config = telegram_config(settings)
    if not config.enabled:
        logger.error("set HOTLINE_TELEGRAM_ENABLED=true (and the bot token) to poll")
        return 2
    await init_db(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    polling = asyncio.create_task(
        poll(config, jobs=CeleryJobs(settings), stop=stop, timeout=timeout)
    )
    try:
        # A long poll can hang for ``timeout`` seconds: cancel it rather than wait. An update
        # stored but not yet passed by the offset is fetched again next time (and deduplicated).
        await asyncio.wait(
            {polling, asyncio.create_task(stop.wait())}, return_when="FIRST_COMPLETED"
        )
        if not polling.done():
            polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
    finally:
        await close_db()
    return 0
