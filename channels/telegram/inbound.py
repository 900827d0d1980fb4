"""The worker's half of an update (``store`` is the webhook's): feed the stored update to the
routers and send what they answer.

Safe to run twice: ``receive`` answers a repeat with its stored replies and each reply is a
delivery row sent once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from aiogram import Bot
from aiogram.types import Update
from pydantic import ValidationError
from tortoise.expressions import F

from channels.telegram.errors import PermanentTelegramError
from channels.telegram.handlers import dispatcher
from channels.telegram.models import DONE, FAILED, PENDING, TelegramUpdate
from channels.telegram.outbound import TelegramSender
from channels.telegram.turns import Answer, Deps

logger = logging.getLogger(__name__)


class UpdateGone(LookupError):
    """The update row a task was given no longer exists."""


async def process(*, update_row_id: int, bot: Bot, deps: Deps, max_attempts: int) -> str:
    """Handle one stored update; returns its final status. Retriable errors propagate."""
    row = await TelegramUpdate.get_or_none(id=update_row_id)
    if row is None:
        raise UpdateGone(update_row_id)
    if row.status != PENDING:
        return row.status
    if row.chat_id is not None:
        # Telegram may deliver a chat's updates in parallel and workers run them in parallel:
        # earlier ones go first, so a phone number never overtakes the request it answers.
        # One also being run elsewhere is safe: receive and the deliveries are idempotent.
        earlier = TelegramUpdate.filter(
            chat_id=row.chat_id, status=PENDING, update_id__lt=row.update_id
        )
        for previous in await earlier.order_by("update_id"):
            await _handle(previous, bot=bot, deps=deps, max_attempts=max_attempts)
    return await _handle(row, bot=bot, deps=deps, max_attempts=max_attempts)


async def _handle(row: TelegramUpdate, *, bot: Bot, deps: Deps, max_attempts: int) -> str:
    await TelegramUpdate.filter(id=row.id).update(attempts=F("attempts") + 1)
    if row.attempts + 1 > max_attempts:
        return await _finish(row, FAILED, f"gave up after {row.attempts} attempts: {row.error}")
    try:
        update = Update.model_validate(row.payload, context={"bot": bot})
    except ValidationError as exc:
        return await _finish(row, FAILED, f"not a valid update: {exc.error_count()} errors")
    try:
        answer = await dispatcher().feed_update(bot, update, deps=deps, update_id=row.update_id)
        if isinstance(answer, Answer):
            await TelegramSender(bot).send_replies(
                chat_id=answer.chat_id, replies=answer.replies, key=f"update:{row.update_id}"
            )
    except PermanentTelegramError as exc:
        # The turn itself is committed; the citizen just cannot be reached on Telegram (the
        # delivery row says so, for notifications to fall back).
        logger.warning("telegram update %s: replies not delivered: %s", row.update_id, exc)
        return await _finish(row, DONE, exc.message)
    except Exception as exc:
        await TelegramUpdate.filter(id=row.id).update(error=f"{type(exc).__name__}: {exc}"[:255])
        raise
    return await _finish(row, DONE, "")


async def _finish(row: TelegramUpdate, status: str, error: str) -> str:
    await TelegramUpdate.filter(id=row.id).update(
        status=status, error=error[:255], processed_at=datetime.now(UTC)
    )
    if status == FAILED:
        logger.error("telegram update %s failed: %s", row.update_id, error)
    return status
