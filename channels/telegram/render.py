"""Intake replies as Bot API messages: plain text (never parsed as HTML or Markdown, since it
quotes what citizens wrote), split to Telegram's length limit, buttons as an inline keyboard."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from intake.messages import Button

logger = logging.getLogger(__name__)

MAX_TEXT = 4096
# Telegram limits callback_data to 64 bytes; a button's reply travels in it.
MAX_CALLBACK_BYTES = 64


def split_text(content: str, limit: int = MAX_TEXT) -> list[str]:
    """``content`` in pieces of at most ``limit`` characters, cut at line ends where possible."""
    pieces: list[str] = []
    rest = content
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    pieces.append(rest)
    return pieces


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One button per row (labels are sentences, not digits), or None without buttons."""
    rows = []
    for button in buttons:
        if len(button.reply.encode()) > MAX_CALLBACK_BYTES:
            # The text of the reply still says what to type, so the choice stays possible.
            logger.warning("button %r: reply too long for callback_data; left out", button.label)
            continue
        rows.append([InlineKeyboardButton(text=button.label, callback_data=button.reply)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def payload(text: str, buttons: Sequence[Button]) -> dict[str, Any]:
    """What a delivery row stores: enough to send it again, JSON only."""
    return {"text": text, "buttons": [{"label": b.label, "reply": b.reply} for b in buttons]}


def buttons_of(stored: dict[str, Any]) -> tuple[Button, ...]:
    return tuple(Button(**item) for item in stored.get("buttons", ()))
