"""Celery tasks of the WeChat channel: thin wrappers that build dependencies and call
``background``. A retriable WeChat error (timeout, 5xx, busy) retries with back-off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from channels.wechat_oa import background
from channels.wechat_oa.client import WechatApi
from channels.wechat_oa.config import wechat_config
from channels.wechat_oa.errors import RetriableWechatError
from channels.wechat_oa.outbound import WechatSender
from channels.wechat_oa.transcribe import transcriber_for
from hotline.celery_app import hotline_task
from hotline.settings import get_settings
from intake.config import intake_config
from intake.storage import StorageError

# WeChat busy or unreachable, media storage unreachable: worth another try later.
RETRY = (RetriableWechatError, StorageError)


@asynccontextmanager
async def _api() -> AsyncIterator[WechatApi]:
    async with WechatApi(wechat_config(get_settings())) as api:
        yield api


@hotline_task("wechat.fetch_media", autoretry_for=RETRY)
async def fetch_media(media_row_id: int) -> None:
    """Download a picture or recording a citizen sent."""
    async with _api() as api:
        await background.fetch_media(media_row_id=media_row_id, api=api, settings=get_settings())


@hotline_task("wechat.transcribe_voice", autoretry_for=RETRY)
async def transcribe_voice(media_row_id: int) -> None:
    """Transcribe a voice message and continue the conversation."""
    settings = get_settings()
    async with _api() as api:
        await background.transcribe_voice(
            media_row_id=media_row_id,
            api=api,
            sender=WechatSender(api, api.config),
            transcriber=transcriber_for(settings),
            settings=settings,
            intake=intake_config(settings),
        )


@hotline_task("wechat.reply_later", autoretry_for=RETRY)
async def reply_later(message: dict[str, object]) -> None:
    """Answer a turn by customer-service message (it missed the passive-reply budget)."""
    settings = get_settings()
    async with _api() as api:
        await background.reply_later(
            message=message, sender=WechatSender(api, api.config), intake=intake_config(settings)
        )
