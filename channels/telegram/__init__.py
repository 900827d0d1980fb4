"""The Telegram channel (aiogram 3): a thin adapter between the Bot API and ``intake``.

Inbound: ``webhook`` (POST /channels/telegram) or ``polling`` stores each raw update
(``models.TelegramUpdate``) and enqueues ``telegram.process_update``; the worker feeds it to the
aiogram routers (``bot``), which turn it into an ``IntakeMessage`` for ``intake.receive``; the
replies go out through ``outbound.TelegramSender``. The dialogue itself lives in intake.
"""

CHANNEL = "telegram"
