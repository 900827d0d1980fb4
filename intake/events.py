"""Hooks around ticket changes, so other packages can react without intake importing them.

- ``subscribe(listener)``: called with every new ``TicketEvent`` *inside* the transaction that
  writes it, so a listener's own rows (notify's outbox) commit or roll back with the change.
- ``unit_of_work()``: the transaction boundary used by intake's entry points; ``on_commit(fn)``
  registers work to run only once that transaction has committed (publishing to the broker),
  like Django's ``transaction.on_commit``.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

if TYPE_CHECKING:
    from intake.models import Ticket, TicketEvent

logger = logging.getLogger(__name__)

Listener = Callable[["Ticket", "TicketEvent"], Awaitable[None]]
AfterCommit = Callable[[], Awaitable[None]]

_listeners: list[Listener] = []
_pending: contextvars.ContextVar[list[AfterCommit] | None] = contextvars.ContextVar(
    "after_commit", default=None
)


def subscribe(listener: Listener) -> None:
    """Call ``listener`` for every ticket event from now on (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)


async def publish(ticket: Ticket, event: TicketEvent) -> None:
    for listener in _listeners:
        await listener(ticket, event)


def on_commit(callback: AfterCommit) -> None:
    """Run ``callback`` after the current unit of work commits (never if it rolls back)."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("on_commit outside unit_of_work(): the change would never be sent")
    pending.append(callback)


@asynccontextmanager
async def unit_of_work() -> AsyncIterator[None]:
    """One transaction; after it commits, the callbacks registered during it run in order."""
    outer = _pending.get()
    if outer is not None:  # nested: join the outer unit, its commit is the one that counts
        async with in_transaction():
            yield
        return
    callbacks: list[AfterCommit] = []
    token = _pending.set(callbacks)
    try:
        async with in_transaction():
            yield
    finally:
        _pending.reset(token)
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            # The change is committed; a failed publish is retried by the outbox sweep.
            logger.exception("after-commit callback failed")
