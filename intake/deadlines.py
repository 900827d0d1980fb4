"""Deadline watch: a warning event before a ticket's deadline, supervision (督办) after it."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from intake import operations
from intake.errors import IllegalTransition
from intake.models import Ticket, TicketEvent
from intake.workflow import OPEN_STATUSES, SYSTEM

# A ticket the department has answered is no longer at risk of missing its deadline.
_WATCHED = [s.value for s in OPEN_STATUSES if s.value != "replied"]


async def check_deadlines(*, now: datetime, warning: timedelta) -> dict[str, int]:
    warned = 0
    due_soon = await Ticket.filter(
        status__in=_WATCHED, deadline_warned=False, due_at__gt=now, due_at__lte=now + warning
    )
    for ticket in due_soon:
        async with in_transaction():
            updated = await Ticket.filter(id=ticket.id, deadline_warned=False).update(
                deadline_warned=True
            )
            if updated:  # another beat run may have warned it already
                await TicketEvent.create(
                    ticket=ticket,
                    action="deadline_warning",
                    actor_type="system",
                    internal_note=f"due at {ticket.due_at}",
                )
                warned += 1
    supervised = 0
    overdue = await Ticket.filter(status__in=_WATCHED, supervised=False, due_at__lte=now)
    for ticket in overdue:
        try:
            await operations.supervise(number=ticket.number, note="overdue", actor=SYSTEM)
            supervised += 1
        except IllegalTransition:
            continue  # its status changed since the query
    return {"warned": warned, "supervised": supervised}
