"""Staff and department operations on a ticket: one function per lifecycle step.

Each runs in its own transaction, locks the ticket row, checks the transition and records it.
Roles are checked by the caller (the API); these functions trust the ``actor`` they are given.
The steps a department takes (accept, return, extension request, reply) also take the caller's
``scope`` (intake.ticket_scope), checked under the row lock: a ticket outside it is not found.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from hotline.logging import ticket_number_var
from intake.catalogue import DEFAULT_LANGUAGE, text
from intake.config import IntakeConfig
from intake.errors import InvalidInput, NotFound, TicketNotFound
from intake.events import unit_of_work
from intake.models import Department, Ticket
from intake.ticket_scope import EVERY_TICKET, TicketScope
from intake.timeline_notes import timeline_note
from intake.workdays import SHANGHAI
from intake.workflow import Action, Actor, apply_action

SATISFACTION_LEVELS = (
    "very_satisfied",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "very_dissatisfied",
)
UNSATISFIED = frozenset({"dissatisfied", "very_dissatisfied"})


async def _locked(number: str, scope: TicketScope) -> Ticket:
    ticket = await Ticket.select_for_update().get_or_none(number=number)
    if ticket is None or not scope.allows(ticket):
        # Someone else's ticket looks exactly like an unknown number.
        raise TicketNotFound(number)
    return ticket


async def _run(
    number: str, step: Callable[[Ticket], Awaitable[None]], scope: TicketScope = EVERY_TICKET
) -> Ticket:
    ticket_number_var.set(number)
    async with unit_of_work():
        ticket = await _locked(number, scope)
        await step(ticket)
        return ticket


def format_due(moment: datetime, language: str | None = None) -> str:
    local = moment.astimezone(SHANGHAI)
    return text("misc.due_format", language, year=local.year, month=local.month, day=local.day)


async def dispatch(
    *, number: str, department_code: str | None, actor: Actor, note: str = ""
) -> Ticket:
    """派单: to the department given, or the one triage suggested."""

    async def step(ticket: Ticket) -> None:
        if department_code:
            department = await Department.get_or_none(code=department_code, active=True)
            if department is None:
                raise NotFound(f"department {department_code}")
            ticket.department = department
        elif ticket.department_id is None:  # type: ignore[attr-defined]
            raise InvalidInput("no department to dispatch to")
        department = await ticket.department  # type: ignore[misc]
        redispatch = ticket.status != "received"
        key = "redispatched" if redispatch else "dispatched"
        await apply_action(
            ticket,
            Action.DISPATCH,
            actor=actor,
            internal_note=note,
            public_note=timeline_note(key, department=department.name),
        )

    return await _run(number, step)


async def accept(*, number: str, actor: Actor, scope: TicketScope = EVERY_TICKET) -> Ticket:
    async def step(ticket: Ticket) -> None:
        await apply_action(
            ticket, Action.ACCEPT, actor=actor, public_note=timeline_note("accepted")
        )

    return await _run(number, step, scope)


async def return_ticket(
    *, number: str, reason: str, actor: Actor, scope: TicketScope = EVERY_TICKET
) -> Ticket:
    """退单: the department says it is not theirs; it goes to dispute review, then re-dispatch."""
    if not reason.strip():
        raise InvalidInput("a return needs a reason")

    async def step(ticket: Ticket) -> None:
        await apply_action(
            ticket,
            Action.RETURN,
            actor=actor,
            internal_note=reason,
            public_note=timeline_note("returned"),
        )

    return await _run(number, step, scope)


async def request_extension(
    *, number: str, days: int, reason: str, actor: Actor, scope: TicketScope = EVERY_TICKET
) -> Ticket:
    if not 1 <= days <= 60 or not reason.strip():
        raise InvalidInput("an extension needs 1-60 working days and a reason")

    async def step(ticket: Ticket) -> None:
        if ticket.extension_requested_days:
            raise InvalidInput("an extension request is already pending")
        ticket.extension_requested_days = days
        await apply_action(
            ticket,
            Action.REQUEST_EXTENSION,
            actor=actor,
            internal_note=reason,
            public_note=timeline_note("extension_requested"),
        )

    return await _run(number, step, scope)


async def decide_extension(
    *, number: str, approve: bool, actor: Actor, config: IntakeConfig, note: str = ""
) -> Ticket:
    async def step(ticket: Ticket) -> None:
        days = ticket.extension_requested_days
        if not days:
            raise InvalidInput("no extension request is pending")
        ticket.extension_requested_days = None
        if approve:
            assert ticket.due_at is not None
            deadline = config.calendar.add_workdays(ticket.due_at, days)
            ticket.due_at = deadline.due_at
            ticket.due_is_estimate = ticket.due_is_estimate or deadline.estimated
            ticket.deadline_warned = False
            public = timeline_note(
                "extension_approved", due=format_due(deadline.due_at, DEFAULT_LANGUAGE)
            )
        else:
            public = timeline_note("extension_rejected")
        await apply_action(
            ticket,
            Action.DECIDE_EXTENSION,
            actor=actor,
            internal_note=note,
            public_note=public,
            event_action="extension_approved" if approve else "extension_rejected",
        )

    return await _run(number, step)


async def reply(
    *, number: str, reply_text: str, actor: Actor, scope: TicketScope = EVERY_TICKET
) -> Ticket:
    """答复: the department's answer, which the citizen reads."""
    if not reply_text.strip():
        raise InvalidInput("a reply needs text")

    async def step(ticket: Ticket) -> None:
        ticket.reply_text = reply_text.strip()
        await apply_action(ticket, Action.REPLY, actor=actor, public_note=timeline_note("replied"))

    return await _run(number, step, scope)


async def close(*, number: str, actor: Actor, now: datetime) -> Ticket:
    async def step(ticket: Ticket) -> None:
        ticket.closed_at = now
        await apply_action(ticket, Action.CLOSE, actor=actor, public_note=timeline_note("closed"))

    return await _run(number, step)


async def reopen(*, number: str, reason: str, actor: Actor) -> Ticket:
    async def step(ticket: Ticket) -> None:
        ticket.closed_at = None
        await apply_action(
            ticket,
            Action.REOPEN,
            actor=actor,
            internal_note=reason,
            public_note=timeline_note("reopened"),
        )

    return await _run(number, step)


async def supervise(*, number: str, note: str, actor: Actor) -> Ticket:
    """督办: a flag with its own event, raised by a supervisor or by the overdue check."""

    async def step(ticket: Ticket) -> None:
        ticket.supervised = True
        await apply_action(
            ticket,
            Action.SUPERVISE,
            actor=actor,
            internal_note=note,
            public_note=timeline_note("supervised"),
        )

    return await _run(number, step)


async def evaluate(*, number: str, satisfaction: str, actor: Actor, comment: str = "") -> Ticket:
    """评价: an unsatisfied answer sends the ticket back for review (reopened)."""
    if satisfaction not in SATISFACTION_LEVELS:
        raise InvalidInput(f"unknown satisfaction level {satisfaction}")

    async def step(ticket: Ticket) -> None:
        ticket.satisfaction = satisfaction
        await apply_action(
            ticket,
            Action.EVALUATE,
            actor=actor,
            internal_note=comment,
            public_note=timeline_note("evaluated"),
        )
        if satisfaction in UNSATISFIED:
            ticket.closed_at = None
            await apply_action(
                ticket,
                Action.REOPEN,
                actor=actor,
                internal_note=f"unsatisfied evaluation: {comment}",
                public_note=timeline_note("reopened"),
            )

    return await _run(number, step)
