"""Self-service progress lookup: what a citizen may see of a ticket, and nothing more.

Unknown numbers, someone else's ticket and a wrong phone tail all raise the same
``TicketNotFound``, so a lookup never tells a stranger that a number exists.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from intake import ratelimit
from intake.catalogue import text
from intake.display_names import category_name, kind_name
from intake.errors import TicketNotFound
from intake.models import ChannelIdentity, Ticket
from intake.operations import format_due
from intake.pii import mask_text
from intake.ticket_reads import TicketRead, read_ticket, read_ticket_counted
from intake.timeline_notes import for_reader
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


def view_from(read: TicketRead) -> TicketView:
    ticket = read.ticket
    return TicketView(
        number=ticket.number,
        status=ticket.status,
        status_name=text(f"status.{ticket.status}"),
        kind=ticket.kind,
        kind_name=kind_name(ticket.kind),
        category=ticket.category,
        category_name=category_name(ticket.category),
        department_name=read.department_name or text("misc.no_department"),
        description=mask_text(ticket.description),
        location=mask_text(ticket.location),
        created_at=ticket.created_at,
        due_at=ticket.due_at,
        reply=mask_text(ticket.reply_text),
        timeline=tuple(
            TimelineEntry(e.at, for_reader(e.public_note)) for e in read.events if e.public_note
        ),
    )


def normalize_number(raw: str) -> str:
    return "".join(raw.split()).upper()


async def read_citizen_ticket(*, number: str, citizen_id: int) -> TicketRead:
    """A ticket of this citizen, whichever of their channel identities filed it."""
    read = await read_ticket(
        "t.number = $1 AND t.citizen_id = $2", normalize_number(number), citizen_id
    )
    if read is None:
        raise TicketNotFound(number)
    return read


async def lookup_for_citizen(*, number: str, citizen_id: int) -> TicketView:
    return view_from(await read_citizen_ticket(number=number, citizen_id=citizen_id))


@dataclass(frozen=True)
class LookupLimit:
    """Lookups by number + phone tail are limited per client and per number, so the 10,000
    possible tails of a number cannot be tried in bulk."""

    client_ip: str
    per_minute: int
    now: datetime


async def lookup_by_phone_tail(
    *, number: str, phone_tail: str, limit: LookupLimit | None = None
) -> TicketView:
    """A ticket by number plus the last four digits of the contact phone given when filing."""
    return view_from(await read_by_phone_tail(number=number, phone_tail=phone_tail, limit=limit))


async def read_by_phone_tail(
    *, number: str, phone_tail: str, limit: LookupLimit | None = None
) -> TicketRead:
    """The ticket with this number whose contact phone ends in ``phone_tail``; the lookup is
    counted against ``limit`` first (in the same round trip on PostgreSQL)."""
    normalized = normalize_number(number)
    if limit is None:
        read = await read_ticket("t.number = $1", normalized)
    else:
        keys = (f"progress:{limit.client_ip}", f"progress-number:{normalized}")
        counters = ratelimit.windows(keys=keys, window_seconds=60, now=limit.now)
        hits, read = await read_ticket_counted("t.number = $1", normalized, counters=counters)
        ratelimit.check(hits, keys=keys, limit=limit.per_minute)
    tail = phone_tail.strip()
    # Compare even when the ticket is missing, so timing does not reveal which case it was.
    expected = read.ticket.contact_phone_tail if read is not None else "----"
    matches = len(tail) == 4 and hmac.compare_digest(expected.encode(), tail.encode())
    if read is None or not matches or not expected:
        raise TicketNotFound(number)
    return read


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
