"""The ticket lifecycle: which action moves a ticket from which status to which.

Every change goes through ``apply_action`` so that it is checked against the table, recorded as a
``TicketEvent`` in the same transaction, and an illegal one changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from intake.errors import IllegalTransition
from intake.events import publish
from intake.models import Ticket, TicketEvent


class Status(StrEnum):
    RECEIVED = "received"  # 受理
    DISPATCHED = "dispatched"  # 派单
    ACCEPTED = "accepted"  # 签收
    RETURNED = "returned"  # 退单, awaiting dispute review
    REPLIED = "replied"  # 答复
    CLOSED = "closed"  # 办结
    SURVEYED = "surveyed"  # 回访 sent
    EVALUATED = "evaluated"  # 评价
    REOPENED = "reopened"  # back for review after an unsatisfied evaluation
    ANSWERED_INSTANTLY = "answered_instantly"  # 即时解答
    MERGED = "merged"  # 并单
    REJECTED = "rejected"  # 不予受理
    TRANSFERRED = "transferred"  # told to call 110/119/120/122


class Action(StrEnum):
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    RETURN = "return"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    REPLY = "reply"
    CLOSE = "close"
    SURVEY = "survey"
    EVALUATE = "evaluate"
    REOPEN = "reopen"
    SUPERVISE = "supervise"
    MERGE = "merge"
    ANSWER_INSTANTLY = "answer_instantly"
    REJECT = "reject"
    TRANSFER = "transfer"


# Statuses in which the hotline still owes the citizen something.
OPEN_STATUSES = frozenset(
    {
        Status.RECEIVED,
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.RETURNED,
        Status.REPLIED,
        Status.REOPENED,
    }
)
FINAL_AT_INTAKE = frozenset(
    {Status.ANSWERED_INSTANTLY, Status.MERGED, Status.REJECTED, Status.TRANSFERRED}
)


@dataclass(frozen=True)
class Rule:
    sources: frozenset[Status]
    target: Status | None  # None: the status stays (a flag or a detail changes)


def _from(*statuses: Status) -> frozenset[Status]:
    return frozenset(statuses)


RULES: dict[Action, Rule] = {
    Action.DISPATCH: Rule(
        _from(Status.RECEIVED, Status.RETURNED, Status.REOPENED), Status.DISPATCHED
    ),
    Action.ACCEPT: Rule(_from(Status.DISPATCHED), Status.ACCEPTED),
    Action.RETURN: Rule(_from(Status.DISPATCHED, Status.ACCEPTED), Status.RETURNED),
    Action.REQUEST_EXTENSION: Rule(_from(Status.ACCEPTED), None),
    Action.DECIDE_EXTENSION: Rule(_from(Status.ACCEPTED), None),
    Action.REPLY: Rule(_from(Status.ACCEPTED), Status.REPLIED),
    Action.CLOSE: Rule(_from(Status.REPLIED), Status.CLOSED),
    Action.SURVEY: Rule(_from(Status.CLOSED), Status.SURVEYED),
    Action.EVALUATE: Rule(_from(Status.CLOSED, Status.SURVEYED), Status.EVALUATED),
    Action.REOPEN: Rule(_from(Status.CLOSED, Status.SURVEYED, Status.EVALUATED), Status.REOPENED),
    Action.SUPERVISE: Rule(frozenset(OPEN_STATUSES), None),
    Action.MERGE: Rule(_from(Status.RECEIVED), Status.MERGED),
    Action.ANSWER_INSTANTLY: Rule(_from(Status.RECEIVED), Status.ANSWERED_INSTANTLY),
    Action.REJECT: Rule(_from(Status.RECEIVED), Status.REJECTED),
    Action.TRANSFER: Rule(_from(Status.RECEIVED), Status.TRANSFERRED),
}


@dataclass(frozen=True)
class Actor:
    kind: str  # citizen | staff | department | system
    id: str = ""


SYSTEM = Actor("system")


def check(ticket: Ticket, action: Action) -> Rule:
    """The rule for ``action``, or IllegalTransition if the ticket's status does not allow it."""
    rule = RULES[action]
    if Status(ticket.status) not in rule.sources:
        raise IllegalTransition(
            f"cannot {action.value} a ticket in status {ticket.status}",
        )
    return rule


async def apply_action(
    ticket: Ticket,
    action: Action,
    *,
    actor: Actor,
    public_note: str = "",
    internal_note: str = "",
    event_action: str | None = None,
) -> TicketEvent:
    """Move ``ticket`` by ``action`` and record it. The caller holds the transaction and has set
    any other fields on ``ticket`` already (they are saved here together with the status)."""
    rule = check(ticket, action)
    previous = ticket.status
    if rule.target is not None:
        ticket.status = rule.target.value
    await ticket.save()
    event = await TicketEvent.create(
        ticket=ticket,
        action=event_action or action.value,
        from_status=previous,
        to_status=ticket.status,
        actor_type=actor.kind,
        actor_id=actor.id,
        public_note=public_note,
        internal_note=internal_note,
    )
    await publish(ticket, event)
    return event
