"""Sending to a citizen on Telegram: conversation replies, notifications and surveys.

Each message is a ``TelegramDelivery`` row keyed by the caller's ``dedup_key`` and claimed before
the call, so a task that runs twice sends once. Failures are raised typed (``errors``): a
retriable one leaves the row pending for the caller's retry, a permanent one marks it failed or
blocked so the caller can fall back to another channel.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from aiogram import Bot
from tortoise.expressions import F, Q

from channels.telegram import chats, render
from channels.telegram.client import call
from channels.telegram.errors import BotBlocked, RetriableTelegramError, TelegramError
from channels.telegram.models import PENDING, TelegramDelivery
from intake.messages import Button, Reply

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=1)
DONE = ("sent", "failed", "blocked")


class TextSender(Protocol):
    """What notifications and surveys need from a chat channel."""

    async def send_text(
        self, *, chat_id: int | str, text: str, buttons: Sequence[Button] = (), dedup_key: str
    ) -> None:
        """Send ``text`` (with ``buttons`` as choices) once per ``dedup_key``; raises
        ``RetriableTelegramError`` to try later, ``PermanentTelegramError`` to give up."""


class TelegramSender:
    """Sends through ``bot``; implements ``TextSender``."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text(
        self, *, chat_id: int | str, text: str, buttons: Sequence[Button] = (), dedup_key: str
    ) -> None:
        pieces = render.split_text(text)
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            await self._deliver(
                chat_id=int(chat_id),
                dedup_key=dedup_key if index == 0 else f"{dedup_key}:{index}",
                text=piece,
                buttons=buttons if last else (),
            )

    async def send_replies(self, *, chat_id: int, replies: Sequence[Reply], key: str) -> None:
        """The replies to one inbound update, in order, each sent once (``key:<n>``)."""
        for index, reply in enumerate(replies):
            await self.send_text(
                chat_id=chat_id, text=reply.text, buttons=reply.buttons, dedup_key=f"{key}:{index}"
            )

    async def _deliver(
        self, *, chat_id: int, dedup_key: str, text: str, buttons: Sequence[Button]
    ) -> None:
        row, _ = await TelegramDelivery.get_or_create(
            dedup_key=dedup_key[:191],
            defaults={"chat_id": chat_id, "payload": render.payload(text, buttons)},
        )
        if row.status in DONE:
            return
        now = datetime.now(UTC)
        claimed = await TelegramDelivery.filter(
            Q(status=PENDING) | Q(status="sending", claimed_at__lt=now - CLAIM_TIMEOUT), id=row.id
        ).update(status="sending", claimed_at=now, attempts=F("attempts") + 1)
        if not claimed:
            row = await TelegramDelivery.get(id=row.id)
            if row.status in DONE:
                return  # another sender finished it meanwhile
            # Another sender is on it; try again after its claim would have run out, and find
            # the row sent (or the claim stale, if that sender died).
            raise RetriableTelegramError(
                f"delivery {dedup_key} is being sent", retry_after=CLAIM_TIMEOUT.total_seconds()
            )
        try:
            if await chats.is_blocked(chat_id=chat_id):
                raise BotBlocked("the user blocked the bot (known locally)")
            message = await call(
                self.bot.send_message(
                    chat_id=chat_id,
                    text=row.payload["text"],
                    reply_markup=render.keyboard(render.buttons_of(row.payload)),
                )
            )
        except TelegramError as exc:
            await self._failed(row, exc)
            raise
        row.status, row.message_id, row.error = "sent", message.message_id, ""
        await row.save(update_fields=["status", "message_id", "error", "updated_at"])

    async def _failed(self, row: TelegramDelivery, exc: TelegramError) -> None:
        if isinstance(exc, BotBlocked):
            await chats.set_blocked(chat_id=row.chat_id, blocked=True)
        if exc.retriable:
            row.status = PENDING
        else:
            row.status = "blocked" if isinstance(exc, BotBlocked) else "failed"
        row.error = exc.message[:255]
        await row.save(update_fields=["status", "error", "updated_at"])
        logger.warning("telegram delivery %s: %s (%s)", row.dedup_key, row.status, exc.message)
