"""Creating tickets: numbering, deadline, routing, repeat detection (并单)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hotline import crypto
from hotline.logging import ticket_number_var
from intake.catalogue import current_language, text
from intake.config import IntakeConfig
from intake.counters import increment
from intake.events import publish
from intake.models import Citizen, Region, Ticket, TicketEvent
from intake.pii import mask_phone
from intake.routing import route
from intake.timeline_notes import timeline_note
from intake.workdays import SHANGHAI, compute_due_at
from intake.workflow import OPEN_STATUSES, Action, Actor, Status, apply_action


@dataclass
class TicketDraft:
    """Everything a channel or the dialogue knows about a request before it becomes a ticket."""

    channel: str
    description: str
    kind: str
    category: str | None
    scope: str = "in"
    urgency: str = "normal"
    region_code: str = ""
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    contact_phone: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    confidence: float = 0.0


@dataclass(frozen=True)
class Created:
    ticket: Ticket
    # The open ticket this one repeats, when it was merged into it.
    merged_into: Ticket | None = None


async def department_name(ticket: Ticket) -> str:
    """The handling department's name, or the hotline centre while none is assigned."""
    await ticket.fetch_related("department")
    department = ticket.department
    return department.name if department else text("misc.no_department")


async def next_number(*, region_code: str, now: datetime) -> str:
    """``<region><yyyymmdd><6-digit daily sequence>``, unique under concurrent creators.

    One atomic upsert bumps the day's counter; on PostgreSQL the row stays locked until the
    caller's transaction ends, so two creators can never read the same value.
    """
    day = now.astimezone(SHANGHAI).strftime("%Y%m%d")
    value = await increment(table="ticket_sequence", keys={"region_code": region_code, "day": day})
    return f"{region_code}{day}{value:06d}"


def _bigrams(text: str) -> set[str]:
    compact = "".join(ch for ch in text if ch.isalnum())
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def similarity(a: str, b: str) -> float:
    """Dice coefficient on character bigrams: robust for Chinese without segmentation."""
    left, right = _bigrams(a), _bigrams(b)
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))


REPEAT_THRESHOLD = 0.4


async def find_repeat(
    *,
    citizen: Citizen,
    category: str | None,
    description: str,
    location: str,
    since: datetime,
    exclude_id: int | None = None,
) -> Ticket | None:
    """An open ticket of the same citizen and category whose text is about the same thing."""
    if category is None:
        return None
    candidates = (
        await Ticket.filter(
            citizen=citizen,
            category=category,
            status__in=[s.value for s in OPEN_STATUSES],
            created_at__gte=since,
        )
        .exclude(id=exclude_id or 0)
        .order_by("-id")
    )
    for earlier in candidates:
        same_place = bool(location) and location == earlier.location
        if same_place or similarity(description, earlier.description) >= REPEAT_THRESHOLD:
            return earlier
    return None


async def create_ticket(
    *,
    draft: TicketDraft,
    citizen: Citizen | None,
    config: IntakeConfig,
    now: datetime,
    actor: Actor,
) -> Created:
    """Create a ticket in status received (or merged into an open repeat). Caller holds the
    transaction."""
    region_code = draft.region_code or config.default_region
    region = await Region.get(code=region_code)
    number = await next_number(region_code=region.code, now=now)
    ticket_number_var.set(number)
    deadline = compute_due_at(
        kind=draft.kind,
        urgency=draft.urgency,
        received_at=now,
        calendar=config.calendar,
        table=config.deadline_table,
    )
    department = await route(region_code=region.code, category=draft.category)
    phone = draft.contact_phone
    ticket = await Ticket.create(
        number=number,
        channel=draft.channel,
        citizen=citizen,
        region=region,
        scope=draft.scope,
        kind=draft.kind,
        category=draft.category,
        urgency=draft.urgency,
        description=draft.description,
        location=draft.location,
        latitude=draft.latitude,
        longitude=draft.longitude,
        attachments=draft.attachments,
        contact_phone_encrypted=(
            crypto.encrypt(phone, secret_key=config.secret_key) if phone else None
        ),
        contact_phone_masked=mask_phone(phone) if phone else "",
        contact_phone_tail=phone[-4:] if phone else "",
        status=Status.RECEIVED.value,
        department=department,
        due_at=deadline.due_at,
        due_is_estimate=deadline.estimated,
        triage_confidence=draft.confidence,
        language=current_language(),
    )
    received = await TicketEvent.create(
        ticket=ticket,
        action="receive",
        to_status=Status.RECEIVED.value,
        actor_type=actor.kind,
        actor_id=actor.id,
        public_note=timeline_note("received", number=number),
    )
    repeat = None
    if citizen is not None and draft.scope == "in":
        repeat = await find_repeat(
            citizen=citizen,
            category=draft.category,
            description=draft.description,
            location=draft.location,
            since=now - timedelta(days=config.repeat_window_days),
            exclude_id=ticket.id,
        )
    if repeat is not None:
        ticket.merged_into = repeat
        await apply_action(
            ticket,
            Action.MERGE,
            actor=actor,
            public_note=timeline_note("merged", number=repeat.number),
        )
        await TicketEvent.create(
            ticket=repeat,
            action="repeat_merged",
            actor_type=actor.kind,
            actor_id=actor.id,
            internal_note=f"repeat request {number} merged into this ticket: {draft.description}",
        )
    await publish(ticket, received)
    return Created(ticket=ticket, merged_into=repeat)
