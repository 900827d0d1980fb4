"""A ticket with its department's name and its events, read in one statement.

Self-service lookups (progress by number, my ticket, the page behind a link) are the busiest
reads citizens make. On this platform each database round trip costs ~0.5 ms of CPU in system
calls alone, so a lookup reads everything it shows in one round trip: the ticket's columns,
repeated on one row per event, joined with the department and, for links, the link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intake import sql
from intake.counters import RATE_KEYS, increment_each, increment_statement
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
SELECT t.*, d.name AS read_department_name, e.id AS read_event_id,
       e.action AS read_event_action, e.public_note AS read_event_note,
       e.created_at AS read_event_at {columns}
FROM ticket t {joins}
LEFT JOIN department d ON d.id = t.department_id
LEFT JOIN ticket_event e ON e.ticket_id = t.id
WHERE {where}
"""

# PostgreSQL only (SQLite has no INSERT inside WITH): the rate counters of the lookup are
# counted in the same statement that reads the ticket, and the row of counts is there even
# when no ticket matches.
_COUNTED = """
WITH hits AS ({upsert})
SELECT h.read_hits, x.* FROM (SELECT max(last_value) AS read_hits FROM hits) h
LEFT JOIN ({select}) x ON TRUE
ORDER BY x.read_event_id
"""


async def read_ticket(
    where: str, *params: Any, joins: str = "", columns: str = ""
) -> TicketRead | None:
    """The ticket matching ``where`` (fixed SQL from code, ``t`` is the ticket), or None.
    ``joins`` and ``columns`` add tables and ``, x AS name`` columns the caller needs."""
    statement = _SELECT.format(where=where, joins=joins, columns=columns) + "ORDER BY e.id"
    return _read_of(await sql.rows(statement, *params))


async def read_ticket_counted(
    where: str, *params: Any, counters: Sequence[tuple[str, int]]
) -> tuple[int, TicketRead | None]:
    """``read_ticket`` plus one hit on each rate counter ``(key, window start)``; the highest
    count among them. One round trip on PostgreSQL, two on SQLite."""
    if not sql.is_postgres():
        counts = await increment_each(table="rate_counter", names=RATE_KEYS, rows=counters)
        return max(counts), await read_ticket(where, *params)
    upsert, upsert_params = increment_statement(
        table="rate_counter", names=RATE_KEYS, rows=counters, first_mark=len(params) + 1
    )
    select = _SELECT.format(where=where, joins="", columns="")
    found = await sql.rows(_COUNTED.format(upsert=upsert, select=select), *params, *upsert_params)
    return int(found[0]["read_hits"]), _read_of(found)


def _read_of(found: list[dict[str, Any]]) -> TicketRead | None:
    if not found or found[0]["id"] is None:
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
