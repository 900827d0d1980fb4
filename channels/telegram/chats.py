"""What the channel remembers about each private chat: language, region, blocked or not.

Notifications use it too: ``language_of`` picks the catalogue for a message nobody is answering,
and a chat known to have blocked the bot is not tried again.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from channels.telegram.models import TelegramChat


async def touch(*, chat_id: int, language_code: str, at: datetime) -> TelegramChat:
    """The chat of an inbound message, created on first contact; writing to us unblocks it."""
    code = language_code[:16]
    seen = {"language_code": code, "last_seen_at": at, "blocked": False}
    if not await TelegramChat.filter(chat_id=chat_id).update(**seen):
        try:
            await TelegramChat.create(chat_id=chat_id, language_code=code, last_seen_at=at)
        except IntegrityError:  # a concurrent first message created it
            await TelegramChat.filter(chat_id=chat_id).update(**seen)
    return await TelegramChat.get(chat_id=chat_id)


async def set_region(*, chat_id: int, region_code: str) -> None:
    await TelegramChat.filter(chat_id=chat_id).update(region_code=region_code)


async def region_of(*, chat_id: int) -> str:
    """The chat's region from a deep link ('' when none): the region hint of its requests."""
    chat = await TelegramChat.get_or_none(chat_id=chat_id)
    return chat.region_code if chat else ""


async def set_blocked(*, chat_id: int, blocked: bool) -> None:
    """From my_chat_member (the user blocked or restarted the bot) or a 403 on sending."""
    updated = await TelegramChat.filter(chat_id=chat_id).update(blocked=blocked)
    if not updated:
        try:
            await TelegramChat.create(chat_id=chat_id, blocked=blocked)
        except IntegrityError:
            await TelegramChat.filter(chat_id=chat_id).update(blocked=blocked)


async def is_blocked(*, chat_id: int) -> bool:
    return await TelegramChat.filter(chat_id=chat_id, blocked=True).exists()


async def language_of(*, chat_id: int) -> str:
    """The chat's Telegram language code ('' when unknown): for ``catalogue_language``."""
    chat = await TelegramChat.get_or_none(chat_id=chat_id)
    return chat.language_code if chat else ""
