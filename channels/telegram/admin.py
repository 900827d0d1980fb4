"""Setting the bot up at Telegram: the webhook and the command menu (``hotline telegram``)."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.types import BotCommand

from channels.telegram.client import call, open_bot
from channels.telegram.config import ALLOWED_UPDATES, TelegramConfig
from intake.catalogue import text

# The menu Telegram shows for "/", in Chinese by default and in English for English clients.
MENU = ("new", "status", "my", "cancel", "help")


class WebhookRefused(ValueError):
    """The webhook would accept forged updates or cannot be reached by Telegram."""


async def publish_commands(bot: Bot) -> None:
    for language, code in (("zh-CN", None), ("en", "en")):
        commands = [
            BotCommand(command=name, description=text(f"telegram.command_{name}", language))
            for name in MENU
        ]
        await call(bot.set_my_commands(commands=commands, language_code=code))


async def set_webhook(config: TelegramConfig) -> str:
    """Register ``config.webhook_url`` with its secret token; returns the URL."""
    if not config.webhook_secret:
        raise WebhookRefused("set HOTLINE_TELEGRAM_WEBHOOK_SECRET first")
    if not config.webhook_url.startswith("https://"):
        raise WebhookRefused(f"Telegram only calls https:// webhooks, not {config.webhook_url}")
    async with open_bot(config) as bot:
        await call(
            bot.set_webhook(
                url=config.webhook_url,
                secret_token=config.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=False,
            )
        )
        await publish_commands(bot)
    return config.webhook_url


async def delete_webhook(config: TelegramConfig) -> None:
    async with open_bot(config) as bot:
        await call(bot.delete_webhook(drop_pending_updates=False))


async def webhook_info(config: TelegramConfig) -> dict[str, Any]:
    async with open_bot(config) as bot:
        info = await call(bot.get_webhook_info())
    return info.model_dump(mode="json", exclude_none=True)
