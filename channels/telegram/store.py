"""The webhook's and the poller's half of an update: check it, store it once, queue it.

The row is committed before anything else, so an update Telegram handed over survives any
crash; the worker's half is ``inbound.process``. This module stays free of aiogram, whose
import takes seconds, so the API process starts fast.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from kombu.exceptions import KombuError
from tortoise.exceptions import IntegrityError

from channels.jobs import Jobs
from channels.telegram.models import PENDING, TelegramUpdate

logger = logging.getLogger(__name__)

PROCESS_TASK = "telegram.process_update"


class MalformedUpdate(ValueError):
    """Not a Telegram update (no integer ``update_id``)."""


def update_id_of(payload: Any) -> int:
    """The update's id, checked before anything is stored."""
    if not isinstance(payload, dict):
        raise MalformedUpdate("not a JSON object")
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        raise MalformedUpdate("no update_id")
    return update_id


def chat_of(payload: dict[str, Any]) -> int | None:
    """The chat an update belongs to, from the raw JSON (None when it has none we know)."""
    for kind in ("message", "my_chat_member", "callback_query"):
        event = payload.get(kind)
        if not isinstance(event, dict):
            continue
        holder = event.get("message") if kind == "callback_query" else event
        chat = holder.get("chat") if isinstance(holder, dict) else None
        chat_id = chat.get("id") if isinstance(chat, dict) else None
        return chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None
    return None


async def accept(payload: dict[str, Any], *, jobs: Jobs, now: datetime) -> TelegramUpdate:
    """Store an update once and queue it (again, if Telegram repeats one still pending)."""
    update_id = update_id_of(payload)
    try:
        row = await TelegramUpdate.create(
            update_id=update_id, chat_id=chat_of(payload), payload=payload, enqueued_at=now
        )
    except IntegrityError:
        row = await TelegramUpdate.get(update_id=update_id)
        if row.status != PENDING:
            return row  # a repeat of one already handled: nothing to do
    await enqueue(row, jobs=jobs, now=now)
    return row


async def enqueue(row: TelegramUpdate, *, jobs: Jobs, now: datetime) -> None:
    """Queue the row's processing; a broker that is down only delays it."""
    await TelegramUpdate.filter(id=row.id).update(enqueued_at=now)
    try:
        await jobs.enqueue(PROCESS_TASK, update_row_id=row.id)
    except (KombuError, OSError) as exc:
        # The row is committed and pending: the sweep queues it once the broker is back.
        # Failing the request would only make Telegram resend what we already hold.
        logger.error("telegram update %s stored but not queued: %s", row.update_id, exc)
