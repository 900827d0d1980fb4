"""The link every message carries: the ticket's progress page."""

from __future__ import annotations

from urllib.parse import urlencode

from hotline.settings import Settings
from intake.models import Ticket


async def ticket_link(*, ticket: Ticket, settings: Settings) -> str:
    """A link the citizen can open from any message to follow the ticket."""
    base = settings.public_base_url.rstrip("/")
    return f"{base}/progress?{urlencode({'number': ticket.number})}"
