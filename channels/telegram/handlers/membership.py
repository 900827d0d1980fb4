"""The user blocked or restarted the bot: remembered, so nobody sends into the void."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.types import ChatMemberUpdated

from channels.telegram import chats

router = Router(name="telegram-membership")

GONE = frozenset({ChatMemberStatus.KICKED, ChatMemberStatus.LEFT})


@router.my_chat_member(F.chat.type == ChatType.PRIVATE)
async def membership(event: ChatMemberUpdated) -> None:
    blocked = event.new_chat_member.status in GONE
    await chats.set_blocked(chat_id=event.chat.id, blocked=blocked)
