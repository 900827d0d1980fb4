"""Commands a citizen can type at any point of a conversation, in plain Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Command(StrEnum):
    HELP = "help"
    CANCEL = "cancel"
    HUMAN = "human"
    MY_TICKETS = "my_tickets"
    LOOKUP = "lookup"


@dataclass(frozen=True)
class ParsedCommand:
    command: Command
    argument: str = ""


TICKET_NUMBER = re.compile(r"[A-Za-z]{2,4}\d{14}")
_LOOKUP = re.compile(
    r"^(?:查询|查|进度|查进度|查询进度|status|check|progress)\s*[:：]?\s*([A-Za-z]{2,4}\d{14})?$"
)
_WORDS: dict[str, Command] = {
    "帮助": Command.HELP,
    "help": Command.HELP,
    "菜单": Command.HELP,
    "?": Command.HELP,
    "？": Command.HELP,
    "取消": Command.CANCEL,
    "不用了": Command.CANCEL,
    "人工": Command.HUMAN,
    "转人工": Command.HUMAN,
    "人工客服": Command.HUMAN,
    "人工服务": Command.HUMAN,
    "我的工单": Command.MY_TICKETS,
    "我的诉求": Command.MY_TICKETS,
    # English, for citizens on an English client (the English catalogue names these words).
    "cancel": Command.CANCEL,
    "agent": Command.HUMAN,
    "human": Command.HUMAN,
    "my tickets": Command.MY_TICKETS,
}


def parse_command(text: str) -> ParsedCommand | None:
    """The command ``text`` is, or None when it is ordinary conversation."""
    compact = text.strip().strip("。.!！ ").lower()
    if compact in _WORDS:
        return ParsedCommand(_WORDS[compact])
    if TICKET_NUMBER.fullmatch(compact):
        return ParsedCommand(Command.LOOKUP, compact.upper())
    match = _LOOKUP.match(compact)
    if match:
        return ParsedCommand(Command.LOOKUP, (match.group(1) or "").upper())
    return None
