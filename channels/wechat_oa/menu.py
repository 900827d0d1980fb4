"""The account's custom menu, and what each menu key means in the conversation.

A CLICK key stands for what the citizen could have typed: the dialogue in intake handles it
exactly as the typed command, so the menu and the chat never disagree.
"""

from __future__ import annotations

from typing import Any

from intake.catalogue import text

REPORT, PROGRESS, MY_TICKETS, HELP = (
    "MENU_REPORT_ISSUE",
    "MENU_PROGRESS",
    "MENU_MY_TICKETS",
    "MENU_HELP",
)
# Key -> the words it stands for. An empty text starts (or re-prompts) the current request.
MENU_COMMANDS: dict[str, str] = {REPORT: "", PROGRESS: "查询", MY_TICKETS: "我的工单", HELP: "帮助"}


def menu() -> dict[str, Any]:
    """The body of ``menu/create``: three buttons, the middle one a sub-menu."""
    return {
        "button": [
            {"type": "click", "name": text("wechat.menu_report"), "key": REPORT},
            {
                "name": text("wechat.menu_query"),
                "sub_button": [
                    {"type": "click", "name": text("wechat.menu_progress"), "key": PROGRESS},
                    {"type": "click", "name": text("wechat.menu_my_tickets"), "key": MY_TICKETS},
                ],
            },
            {"type": "click", "name": text("wechat.menu_help"), "key": HELP},
        ]
    }
