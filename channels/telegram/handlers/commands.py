"""Slash commands, mapped to the Chinese commands intake understands.

/status N → "查询 N", /my → "我的工单", /help → "帮助", /cancel → "取消"; /start greets (and a
deep-link payload naming a region, t.me/<bot>?start=XM, becomes the chat's region); /new cancels
whatever is being filled in and invites a new request. Unknown commands get the help.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from channels.telegram import chats
from channels.telegram.turns import Answer, Deps, converse, language_code, says
from intake.messages import Reply
from intake.models import Region

router = Router(name="telegram-commands")
router.message.filter(F.chat.type == ChatType.PRIVATE)

MAPPED = {"status": "查询", "my": "我的工单", "help": "帮助", "cancel": "取消"}


async def _turn(message: Message, deps: Deps, update_id: int, said: str) -> list[Reply]:
    return await converse(
        deps=deps,
        chat_id=message.chat.id,
        user=message.from_user,
        external_id=f"update:{update_id}",
        at=message.date,
        said=said,
    )


@router.message(CommandStart())
async def start(message: Message, command: CommandObject) -> Answer:
    user = message.from_user
    await chats.touch(chat_id=message.chat.id, language_code=language_code(user), at=message.date)
    region = (command.args or "").strip().upper()
    if region and await Region.exists(code=region):
        await chats.set_region(chat_id=message.chat.id, region_code=region)
    return Answer(message.chat.id, [says(user, "telegram.welcome")])


@router.message(Command(*MAPPED))
async def mapped(message: Message, command: CommandObject, deps: Deps, update_id: int) -> Answer:
    said = MAPPED[command.command]
    if command.command == "status" and command.args:
        said = f"{said} {command.args.strip()}"
    return Answer(message.chat.id, await _turn(message, deps, update_id, said))


@router.message(Command("new"))
async def new(message: Message, deps: Deps, update_id: int) -> Answer:
    replies = await _turn(message, deps, update_id, "取消")
    return Answer(message.chat.id, [*replies, says(message.from_user, "dialogue.welcome")])


@router.message(F.text.startswith("/"))
async def unknown(message: Message, deps: Deps, update_id: int) -> Answer:
    return Answer(message.chat.id, await _turn(message, deps, update_id, "帮助"))
