"""What the Telegram channel needs from the settings, built once per settings object."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hotline.settings import Settings

WEBHOOK_PATH = "/channels/telegram"
# The updates the bot asks Telegram for (webhook and polling alike); others are never sent.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
# "<bot id>:<secret>", as @BotFather issues them (and as aiogram insists on).
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class TelegramConfig:
    enabled: bool
    token: str
    webhook_secret: str
    api_base: str
    timeout: float
    webhook_url: str
    max_body: int
    sweep_after_seconds: int
    max_attempts: int


def telegram_config(settings: Settings) -> TelegramConfig:
    return TelegramConfig(
        enabled=settings.telegram_enabled,
        token=settings.telegram_bot_token,
        webhook_secret=settings.telegram_webhook_secret,
        api_base=settings.telegram_api_base.rstrip("/"),
        timeout=settings.telegram_api_timeout_seconds,
        webhook_url=settings.telegram_webhook_url
        or settings.public_base_url.rstrip("/") + WEBHOOK_PATH,
        max_body=settings.telegram_max_body_bytes,
        sweep_after_seconds=settings.telegram_sweep_after_seconds,
        max_attempts=settings.telegram_max_attempts,
    )


class NotConfigured(RuntimeError):
    """The channel has no usable bot token: nothing can be sent or fetched (updates wait)."""


def has_token(config: TelegramConfig) -> bool:
    """Whether the bot token looks like one: without it nothing can be sent or fetched."""
    return bool(_TOKEN.fullmatch(config.token))
