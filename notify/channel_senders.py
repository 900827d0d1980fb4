"""The notify ``Sender`` of each channel: a thin translation to that channel's own sender and
its typed errors. Registered in ``install_senders`` for the channels the settings enable."""

from __future__ import annotations

from hotline.settings import Settings
from intake.messages import Button
from notify.senders import DeliveryError, OutboundMessage, register


def _buttons(message: OutboundMessage) -> tuple[Button, ...]:
    return tuple(Button(label, reply) for label, reply in message.buttons)


class TelegramNotifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, *, address: str, message: OutboundMessage, dedup_key: str) -> None:
        from channels.telegram.client import open_bot
        from channels.telegram.config import telegram_config
        from channels.telegram.errors import RetriableTelegramError, TelegramError
        from channels.telegram.outbound import TelegramSender

        try:
            async with open_bot(telegram_config(self.settings)) as bot:
                await TelegramSender(bot).send_text(
                    chat_id=address,
                    text=message.text,
                    buttons=_buttons(message),
                    dedup_key=dedup_key,
                )
        except RetriableTelegramError as exc:
            raise DeliveryError(exc.message, permanent=False, retry_after=exc.retry_after) from exc
        except TelegramError as exc:
            raise DeliveryError(exc.message, permanent=True) from exc


def install_senders(settings: Settings) -> None:
    if settings.telegram_enabled:
        register("telegram", TelegramNotifier)
