"""The link every message carries: a signed, expiring, revocable link to the ticket's page
(``/t/<token>``, opened by the city's app when installed)."""

from __future__ import annotations

from datetime import UTC, datetime

from channels.app_links import LinkConfig, create_link
from hotline.settings import Settings
from intake.models import Ticket


async def ticket_link(*, ticket: Ticket, settings: Settings) -> str:
    """A new link for one message; only its digest is stored, so each message gets its own."""
    issued = await create_link(
        number=ticket.number, config=LinkConfig.of(settings), now=datetime.now(UTC)
    )
    return issued.url
