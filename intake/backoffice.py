"""What staff read: ticket lists and details (personal data masked unless revealed, and every
reveal is audited), conversations waiting for an operator. Tickets are read through the reader's
``TicketScope`` (intake.ticket_scope): a department user reads only their department's."""

from __future__ import annotations

from dataclasses import dataclass

from hotline import crypto
from intake.errors import NotFound, TicketNotFound
from intake.models import Conversation, StaffUser, Ticket, TicketEvent
from intake.pii import mask_text
from intake.staff import audit
from intake.ticket_scope import EVERY_TICKET, TicketScope


@dataclass(frozen=True)
class StaffTicket:
    ticket: Ticket
    department_code: str | None
    merged_into: str | None
    contact_phone: str
    description: str
    location: str


async def list_tickets(
    *,
    status: str | None,
    department_code: str | None,
    supervised: bool | None,
    limit: int,
    offset: int,
    scope: TicketScope = EVERY_TICKET,
) -> list[StaffTicket]:
    query = scope.narrow(Ticket.all())
    if status:
        query = query.filter(status=status)
    if department_code and not scope.restricted:  # a restricted reader's filter is their scope
        query = query.filter(department__code=department_code)
    if supervised is not None:
        query = query.filter(supervised=supervised)
    tickets = (
        await query.order_by("-id")
        .offset(offset)
        .limit(limit)
        .prefetch_related("department", "merged_into")
    )
    return [await _masked(ticket) for ticket in tickets]


async def _masked(ticket: Ticket) -> StaffTicket:
    department = ticket.department  # prefetched or None
    merged = ticket.merged_into
    return StaffTicket(
        ticket=ticket,
        department_code=department.code if department else None,
        merged_into=merged.number if merged else None,
        contact_phone=ticket.contact_phone_masked,
        description=mask_text(ticket.description),
        location=ticket.location,
    )


async def _visible(number: str, scope: TicketScope) -> Ticket:
    ticket = await Ticket.get_or_none(number=number).prefetch_related("department", "merged_into")
    if ticket is None or not scope.allows(ticket):
        raise TicketNotFound(number)  # someone else's ticket looks like an unknown number
    return ticket


async def masked_ticket(*, number: str, scope: TicketScope = EVERY_TICKET) -> StaffTicket:
    return await _masked(await _visible(number, scope))


async def ticket_detail(
    *, number: str, staff: StaffUser, reveal: bool, secret_key: str
) -> tuple[StaffTicket, list[TicketEvent]]:
    ticket = await _visible(number, TicketScope.of(staff))
    view = await _masked(ticket)
    if reveal:
        # Reading a citizen's personal data is always audited.
        await audit(staff=staff, action="reveal_personal_data", target=f"ticket:{number}")
        phone = ""
        if ticket.contact_phone_encrypted:
            try:
                phone = crypto.decrypt(ticket.contact_phone_encrypted, secret_key=secret_key)
            except ValueError:
                phone = ticket.contact_phone_masked
        view = StaffTicket(
            ticket,
            view.department_code,
            view.merged_into,
            phone,
            ticket.description,
            ticket.location,
        )
    events = await TicketEvent.filter(ticket=ticket).order_by("id")
    return view, events


async def handoff_conversations() -> list[Conversation]:
    return await Conversation.filter(handoff=True).order_by("updated_at")


async def release_conversation(*, conversation_id: int, staff: StaffUser) -> None:
    conversation = await Conversation.get_or_none(id=conversation_id, handoff=True)
    if conversation is None:
        raise NotFound(f"conversation {conversation_id}")
    conversation.handoff = False
    conversation.slots = {}
    conversation.step = "idle"
    await conversation.save()
    await audit(
        staff=staff, action="release_conversation", target=f"conversation:{conversation_id}"
    )
