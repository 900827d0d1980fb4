"""Turning intake ``Reply`` objects into what WeChat shows.

A passive reply is one message, so several replies are joined into one text. Buttons are not
drawn in a passive reply: the intake texts already say what to type ("回复“确认”…"); a
customer-service message can show them as a tappable menu (``msgmenu``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from intake.messages import Reply

# WeChat cuts text messages at 2048 bytes; keep a margin for the XML around it.
MAX_TEXT_BYTES = 2000
# Characters XML 1.0 cannot carry at all; a citizen-visible text never needs them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def cdata(value: str) -> str:
    clean = _NOT_XML.sub("", value)
    return "<![CDATA[" + clean.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def joined_text(replies: Sequence[Reply]) -> str:
    return "\n\n".join(reply.text for reply in replies if reply.text)


def fits_passive(text: str) -> bool:
    return len(text.encode("utf-8")) <= MAX_TEXT_BYTES


def text_reply(*, to_user: str, from_user: str, create_time: int, content: str) -> str:
    """A passive text reply, in the layout WeChat documents."""
    return (
        f"<xml>\n<ToUserName>{cdata(to_user)}</ToUserName>\n"
        f"<FromUserName>{cdata(from_user)}</FromUserName>\n"
        f"<CreateTime>{create_time}</CreateTime>\n"
        f"<MsgType><![CDATA[text]]></MsgType>\n"
        f"<Content>{cdata(content)}</Content>\n</xml>"
    )


def _size(value: str) -> int:
    return len(value.encode("utf-8"))


def _cut(line: str, limit: int) -> list[str]:
    parts: list[str] = []
    current = ""
    for char in line:
        if current and _size(current + char) > limit:
            parts.append(current)
            current = ""
        current += char
    return [*parts, current] if current else parts


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-8 bytes, cut at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        for part in _cut(line, limit) if _size(line) > limit else [line]:
            if current and _size(current + part) > limit:
                pieces.append(current)
                current = ""
            current += part
    if current:
        pieces.append(current)
    return [piece.strip("\n") for piece in pieces if piece.strip()]


def customer_service_payload(openid: str, reply: Reply) -> dict[str, Any]:
    """The body of ``message/custom/send`` for one reply: a menu when it has buttons."""
    if reply.buttons:
        return {
            "touser": openid,
            "msgtype": "msgmenu",
            "msgmenu": {
                "head_content": reply.text,
                "list": [
                    {"id": str(index), "content": button.reply}
                    for index, button in enumerate(reply.buttons, start=1)
                ],
                "tail_content": "",
            },
        }
    return {"touser": openid, "msgtype": "text", "text": {"content": reply.text}}
