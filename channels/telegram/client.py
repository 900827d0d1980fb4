"""The Bot API client: aiogram's ``Bot`` pointed at the configured server, and typed errors.

Every call goes through ``call`` so callers see ``errors.TelegramError`` subclasses only. The
server is ``settings.telegram_api_base`` (Telegram, a local Bot API server, a proxy, or the
tests' fake), reached through ``TelegramAPIServer.from_base``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import AiogramError
from aiohttp import ClientSession, TCPConnector

from channels.telegram.config import NotConfigured, TelegramConfig, has_token
from channels.telegram.errors import PermanentTelegramError, RetriableTelegramError, classify
from hotline.http import tls_context

T = TypeVar("T")


class _SharedTlsSession(AiohttpSession):
    """aiogram's session with the process's TLS context (``hotline.http``).

    ``AiohttpSession.__init__`` loads the CA bundle into a new context every time (~100 ms of
    CPU here), and a bot is made per task or notification. This sets up the same state with
    the shared context instead (aiogram 3.x's attributes; the Telegram tests exercise it).
    """

    def __init__(self, **kwargs: Any) -> None:
        BaseSession.__init__(self, **kwargs)
        self._session: ClientSession | None = None
        self._connector_type: type[TCPConnector] = TCPConnector
        self._connector_init: dict[str, Any] = {
            "ssl": tls_context(),
            "limit": 100,
            "ttl_dns_cache": 3600,
        }
        self._should_reset_connector = True
        self._proxy = None


def make_bot(config: TelegramConfig) -> Bot:
    if not has_token(config):
        raise NotConfigured("HOTLINE_TELEGRAM_BOT_TOKEN is not set to a bot token")
    session = _SharedTlsSession(
        api=TelegramAPIServer.from_base(config.api_base), timeout=config.timeout
    )
    return Bot(config.token, session=session)


@asynccontextmanager
async def open_bot(config: TelegramConfig) -> AsyncIterator[Bot]:
    """A bot whose HTTP session is closed on exit."""
    bot = make_bot(config)
    try:
        yield bot
    finally:
        await bot.session.close()


async def call(request: Awaitable[T]) -> T:
    """Await a Bot API call, raising its failure as a typed ``TelegramError``."""
    try:
        return await request
    except AiogramError as exc:
        raise classify(exc) from exc


async def download(bot: Bot, *, file_id: str, limit: int) -> bytes:
    """A file's bytes by getFile, refusing anything over ``limit`` before and while fetching."""
    file = await call(bot.get_file(file_id))
    if file.file_size and file.file_size > limit:
        raise PermanentTelegramError(f"file of {file.file_size} bytes is too large")
    if not file.file_path:
        raise PermanentTelegramError("Telegram gave no file_path (file too large to fetch)")
    url = bot.session.api.file_url(bot.token, file.file_path)
    data = bytearray()
    # Messages are built here rather than from aiohttp's: those carry the URL, whose path
    # holds the bot token, and end up in logs and database rows.
    try:
        async for chunk in bot.session.stream_content(url, timeout=int(bot.session.timeout)):
            data += chunk
            if len(data) > limit:
                raise PermanentTelegramError(f"file over {limit} bytes")
    except aiohttp.ClientResponseError as exc:
        if exc.status >= 500 or exc.status == 429:
            raise RetriableTelegramError(f"file download: HTTP {exc.status}") from None
        raise PermanentTelegramError(f"file download: HTTP {exc.status}") from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RetriableTelegramError(f"file download: {type(exc).__name__}") from None
    return bytes(data)
