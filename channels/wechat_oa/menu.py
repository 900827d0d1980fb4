"""The account's custom menu, and what each menu key means in the conversation.

A CLICK key stands for what the citizen could have typed: the dialogue in intake handles it
exactly as the typed command, so the menu and the chat never disagree.
"""

from __future__ import annotations

from typing import Any

from channels.wechat_oa.client import WechatApi
from channels.wechat_oa.config import wechat_config
from hotline.db import close_db, init_db
from hotline.settings import Settings
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


async def install_menu(settings: Settings) -> None:
    """Install ``menu()`` on the account (``menu/create``); raises a typed WeChat error."""
    # The shared token may live in the database: connect for the duration of the call.
    await init_db(settings)
    try:
        async with WechatApi(wechat_config(settings)) as api:
            await api.create_menu(menu())
    finally:
        await close_db()
