"""A ticket with its department's name and its events, read in one statement.

Self-service lookups (progress by number, my ticket, the page behind a link) are the busiest
reads citizens make. On this platform each database round trip costs ~0.5 ms of CPU in system
calls alone, so a lookup reads everything it shows in one round trip: the ticket's columns,
repeated on one row per event, joined with the department and, for links, the link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intake import sql
from intake.models import Ticket, TicketEvent


@dataclass(frozen=True)
class EventLine:
    action: str
    public_note: str
    at: datetime


@dataclass(frozen=True)
class TicketRead:
    ticket: Ticket
    department_name: str  # "" while no department handles it
    events: tuple[EventLine, ...]  # oldest first, internal ones included
    extra: dict[str, Any]  # the caller's extra columns, from the first row


_SELECT = """
SELECT t.*, d.name AS read_department_name, e.action AS read_event_action,
       e.public_note AS read_event_note, e.created_at AS read_event_at {columns}
FROM ticket t {joins}
LEFT JOIN department d ON d.id = t.department_id
LEFT JOIN ticket_event e ON e.ticket_id = t.id
WHERE {where}
ORDER BY e.id
"""


async def read_ticket(
    where: str, *params: Any, joins: str = "", columns: str = ""
) -> TicketRead | None:
    """The ticket matching ``where`` (fixed SQL from code, ``t`` is the ticket), or None.
    ``joins`` and ``columns`` add tables and ``, x AS name`` columns the caller needs."""
    found = await sql.rows(_SELECT.format(where=where, joins=joins, columns=columns), *params)
    if not found:
        return None
    first = found[0]
    events = tuple(
        EventLine(
            action=row["read_event_action"],
            public_note=row["read_event_note"],
            at=sql.python_value(TicketEvent, "created_at", row["read_event_at"]),
        )
        for row in found
        if row["read_event_action"] is not None
    )
    return TicketRead(
        ticket=sql.model_from_row(Ticket, first),
        department_name=first["read_department_name"] or "",
        events=events,
        extra=first,
    )
