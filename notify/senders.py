"""One sender per channel behind one interface, registered by channel name.

A sender raises ``DeliveryError``: ``permanent`` (this channel cannot reach the citizen: blocked,
unsubscribed, outside the 48-hour window, no grant) makes delivery fall back to the next channel
at once; otherwise it is retried with back-off (``retry_after`` when the service said so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from hotline.settings import Settings


@dataclass(frozen=True)
class OutboundMessage:
    text: str
    link: str
    purpose: str
    ticket_number: str
    buttons: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, reply)
    survey_id: int | None = None  # set on a survey's invitation and reminders


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Sender(Protocol):
    async def send(self, *, address: str, message: OutboundMessage, dedup_key: str) -> None:
        """Deliver ``message`` to ``address`` once per ``dedup_key``, or raise DeliveryError."""
        ...


SenderFactory = Callable[[Settings], Sender]
_REGISTRY: dict[str, SenderFactory] = {}


def register(channel: str, factory: SenderFactory) -> None:
    _REGISTRY[channel] = factory


def unregister_all() -> None:
    """Forget every sender (before registering those of new settings)."""
    _REGISTRY.clear()


def sender_for(channel: str, settings: Settings) -> Sender | None:
    factory = _REGISTRY.get(channel)
    return factory(settings) if factory else None


def registered_channels() -> set[str]:
    return set(_REGISTRY)
