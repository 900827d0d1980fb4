"""The citizen may correct the kind of request triage chose (咨询 求助 投诉 举报 建议 表扬) before
submitting it: the kind decides the deadline and how the department answers. A button on the
confirmation lists the six kinds; "类型 投诉" (what the buttons send) or "type complaint" sets it.
"""

from __future__ import annotations

import re
from functools import cache

from intake.catalogue import available_languages, speaking, text
from intake.display_names import kind_name
from intake.messages import Button, Reply
from intake.taxonomy import KINDS

ASK = "修改类型"  # what the confirmation's button sends
_ASKS = frozenset({ASK, "类型", "change type", "type"})
# "类型投诉", "类型：投诉", "type complaint"; not "typed the wrong number".
_CHOICE = re.compile(r"(?:类型|type(?=[\s:：]))(.*)$")


@cache
def _names() -> dict[str, str]:
    """Every name a kind may be given: its code, its Chinese name, its name in each catalogue."""
    names = {code: code for code in KINDS}
    names.update({chinese: code for code, chinese in KINDS.items()})
    for language in available_languages():
        with speaking(language):
            names.update({kind_name(code).lower(): code for code in KINDS})
    return names


def asks_to_change(body: str) -> bool:
    return body.strip().lower() in _ASKS


def choices() -> Reply:
    return Reply(
        text("dialogue.choose_kind"),
        buttons=tuple(Button(kind_name(code), f"类型 {name}") for code, name in KINDS.items()),
    )


def chosen(body: str) -> str | None:
    """The kind code ``body`` chooses; "" when it names no kind we know; None when ``body`` is
    not a choice of kind at all."""
    match = _CHOICE.match(body.strip().lower())
    if match is None:
        return None
    return _names().get(match.group(1).strip(" ：:是为改成"), "")
