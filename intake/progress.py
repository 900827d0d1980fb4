"""Self-service progress lookup: what a citizen may see of a ticket, and nothing more.

Unknown numbers, someone else's ticket and a wrong phone tail all raise the same
``TicketNotFound``, so a lookup never tells a stranger that a number exists.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from intake.catalogue import text
from intake.errors import TicketNotFound
from intake.models import ChannelIdentity, Ticket, TicketEvent
from intake.operations import format_due
from intake.pii import mask_text
from intake.taxonomy import CATEGORIES, KINDS
from intake.tickets import department_name
from intake.workdays import SHANGHAI


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    text: str


@dataclass(frozen=True)
class TicketView:
    """The citizen-safe view of a ticket: masked text, no staff names, no internal notes."""

    number: str
    status: str
    status_name: str
    kind: str
    kind_name: str
    category: str | None
    category_name: str
    department_name: str
    description: str
    location: str
    created_at: datetime
    due_at: datetime | None
    reply: str
    timeline: tuple[TimelineEntry, ...]


def category_name(code: str | None) -> str:
    category = CATEGORIES.get(code or "")
    return category.name_zh if category else text("kind.unknown")


async def view_of(ticket: Ticket) -> TicketView:
    events = await TicketEvent.filter(ticket=ticket).exclude(public_note="").order_by("id")
    return TicketView(
        number=ticket.number,
        status=ticket.status,
        status_name=text(f"status.{ticket.status}"),
        kind=ticket.kind,
        kind_name=KINDS.get(ticket.kind, text("kind.unknown")),
        category=ticket.category,
        category_name=category_name(ticket.category),
        department_name=await department_name(ticket),
        description=mask_text(ticket.description),
        location=mask_text(ticket.location),
        created_at=ticket.created_at,
        due_at=ticket.due_at,
        reply=mask_text(ticket.reply_text),
        timeline=tuple(TimelineEntry(e.created_at, e.public_note) for e in events),
    )


def normalize_number(raw: str) -> str:
    return "".join(raw.split()).upper()


async def lookup_for_citizen(*, number: str, citizen_id: int) -> TicketView:
    """A ticket of this citizen, whichever of their channel identities filed it."""
    ticket = await Ticket.get_or_none(number=normalize_number(number), citizen_id=citizen_id)
    if ticket is None:
        raise TicketNotFound(number)
    return await view_of(ticket)


async def lookup_by_phone_tail(*, number: str, phone_tail: str) -> TicketView:
    """A ticket by number plus the last four digits of the contact phone given when filing."""
    ticket = await Ticket.get_or_none(number=normalize_number(number))
    tail = phone_tail.strip()
    # Compare even when the ticket is missing, so timing does not reveal which case it was.
    expected = ticket.contact_phone_tail if ticket is not None else "----"
    matches = len(tail) == 4 and hmac.compare_digest(expected.encode(), tail.encode())
    if ticket is None or not matches or not expected:
        raise TicketNotFound(number)
    return await view_of(ticket)


async def tickets_of(*, citizen_id: int, limit: int = 5, offset: int = 0) -> list[Ticket]:
    return await Ticket.filter(citizen_id=citizen_id).order_by("-id").offset(offset).limit(limit)


async def citizen_id_for(*, channel: str, external_id: str) -> int | None:
    identity = await ChannelIdentity.get_or_none(channel=channel, external_id=external_id)
    return identity.citizen_id if identity else None  # type: ignore[attr-defined]


def render_view(view: TicketView) -> str:
    """The progress of a ticket as one chat message."""
    parts = [
        text(
            "progress.summary",
            number=view.number,
            category=view.category_name,
            status=view.status_name,
            department=view.department_name,
            due=format_due(view.due_at) if view.due_at else "-",
        )
    ]
    if view.reply:
        parts.append(text("progress.reply_line", reply=view.reply))
    if view.timeline:
        parts.append(text("progress.timeline_header"))
        for entry in view.timeline[-6:]:
            moment = entry.at.astimezone(SHANGHAI).strftime("%m-%d %H:%M")
            parts.append("\n" + text("progress.timeline_line", time=moment, text=entry.text))
    return "".join(parts)
