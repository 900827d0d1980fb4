"""Inline-keyboard choices: a tap sends the button's ``reply`` as if the citizen typed it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message

from channels.telegram.client import call
from channels.telegram.errors import TelegramError
from channels.telegram.turns import Answer, Deps, converse

logger = logging.getLogger(__name__)

router = Router(name="telegram-callbacks")


@router.callback_query(F.data, F.message.chat.type == ChatType.PRIVATE)
async def chosen(query: CallbackQuery, deps: Deps) -> Answer:
    assert query.message is not None and query.data is not None  # by the filters
    await _settle(query)
    replies = await converse(
        deps=deps,
        chat_id=query.message.chat.id,
        user=query.from_user,
        external_id=f"callback:{query.id}",
        said=query.data,
    )
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        # The choice is made: without its buttons the question cannot be answered twice.
        await _cosmetic(query.message.edit_reply_markup(reply_markup=None), "remove keyboard")
    return Answer(query.message.chat.id, replies)


@router.callback_query()
async def stale(query: CallbackQuery) -> None:
    """A tap we cannot use (an inline-mode message, a group): stop its spinner, nothing more."""
    await _settle(query)


async def _settle(query: CallbackQuery) -> None:
    await _cosmetic(query.answer(), "answer callback query")


async def _cosmetic(request: Awaitable[object], what: str) -> None:
    # Only the look of the chat depends on these calls (a spinner, stale buttons), and a
    # re-run finds the query too old to answer: a failure must not stop the citizen's turn.
    try:
        await call(request)
    except TelegramError as exc:
        logger.info("telegram %s failed: %s", what, exc.message)
