"""The bot's aiogram routers, composed into one dispatcher (``dp.include_routers``).

Order matters: slash commands before free text, so ``/status`` is never taken for a request.
Each handler returns an ``Answer`` (or nothing), which ``inbound.process`` sends.
"""

from __future__ import annotations

from functools import cache

from aiogram import Dispatcher

from channels.telegram.handlers import callbacks, commands, membership, messages


@cache
def dispatcher() -> Dispatcher:
    """One dispatcher per process (a router can be included once only)."""
    dp = Dispatcher(name="hotline-telegram")
    dp.include_routers(commands.router, messages.router, callbacks.router, membership.router)
    return dp
