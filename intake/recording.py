"""Recording what the hotline did not take on as a ticket to handle: emergencies it sent to
110/119/120/122 and out-of-scope requests it declined (不予受理). Both count in the statistics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake.models import Ticket
from intake.tickets import TicketDraft, create_ticket
from intake.timeline_notes import timeline_note
from intake.triage import TriageResult
from intake.workflow import Action, apply_action

if TYPE_CHECKING:
    from intake.dialogue import Turn


def _draft(turn: Turn, description: str, result: TriageResult) -> TicketDraft:
    return TicketDraft(
        channel=turn.message.channel,
        description=description,
        kind=result.kind,
        category=None,
        scope=result.scope,
        urgency="urgent" if result.is_emergency else "normal",
        region_code=turn.message.region_hint or turn.conversation.region_code,
        confidence=result.confidence,
    )


async def record_emergency(*, turn: Turn, description: str, result: TriageResult) -> Ticket:
    created = await create_ticket(
        draft=_draft(turn, description, result),
        citizen=turn.citizen,
        config=turn.config,
        now=turn.now,
        actor=turn.actor,
    )
    await apply_action(
        created.ticket,
        Action.TRANSFER,
        actor=turn.actor,
        public_note=timeline_note("transferred", number=result.emergency_number or "110"),
    )
    return created.ticket


async def record_out_of_scope(*, turn: Turn, description: str, result: TriageResult) -> Ticket:
    created = await create_ticket(
        draft=_draft(turn, description, result),
        citizen=turn.citizen,
        config=turn.config,
        now=turn.now,
        actor=turn.actor,
    )
    await apply_action(
        created.ticket,
        Action.REJECT,
        actor=turn.actor,
        internal_note=f"out of scope: {result.out_reason}",
        public_note=timeline_note("rejected"),
    )
    return created.ticket
