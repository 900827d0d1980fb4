"""What staff read: ticket lists and details (personal data masked unless revealed, and every
reveal is audited), conversations waiting for an operator."""

from __future__ import annotations

from dataclasses import dataclass

from hotline import crypto
from intake.errors import NotFound, TicketNotFound
from intake.models import Conversation, StaffUser, Ticket, TicketEvent
from intake.pii import mask_text
from intake.staff import audit


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
) -> list[StaffTicket]:
    query = Ticket.all()
    if status:
        query = query.filter(status=status)
    if department_code:
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


async def masked_ticket(*, number: str) -> StaffTicket:
    ticket = await Ticket.get_or_none(number=number).prefetch_related("department", "merged_into")
    if ticket is None:
        raise TicketNotFound(number)
    return await _masked(ticket)


async def ticket_detail(
    *, number: str, staff: StaffUser, reveal: bool, secret_key: str
) -> tuple[StaffTicket, list[TicketEvent]]:
    ticket = await Ticket.get_or_none(number=number).prefetch_related("department", "merged_into")
    if ticket is None:
        raise TicketNotFound(number)
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
