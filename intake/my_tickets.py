"""A signed-in citizen's own tickets: filing with attachments, the list, one ticket.

Every lookup is by number *and* citizen, so another person's ticket is not found, exactly like
a number that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from intake import media
from intake.catalogue import text
from intake.citizen_auth import CitizenPrincipal
from intake.citizens import known_phone, remember_phone
from intake.config import IntakeConfig
from intake.display_names import category_name, kind_name
from intake.errors import InvalidPhone, TicketNotFound
from intake.filing import FilingForm, FilingResult, file_request
from intake.models import Citizen, Department, Region, Ticket, TicketEvent
from intake.pii import mask_text, normalize_mobile
from intake.progress import (
    TicketView,
    normalize_number,
    read_citizen_ticket,
    view_from,
)
from intake.taxonomy import CATEGORIES, KINDS, Category
from intake.workdays import WorkCalendar, workdays_between
from intake.workflow import OPEN_STATUSES, Status

EVALUABLE = frozenset({Status.CLOSED.value, Status.SURVEYED.value})


@dataclass(frozen=True)
class MobileFiling:
    description: str
    contact_phone: str | None = None
    kind: str | None = None
    category: str | None = None
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    region: str | None = None
    media_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class UrgePolicy:
    after_workdays: int
    interval_hours: int
    calendar: WorkCalendar


@dataclass(frozen=True)
class TicketSummary:
    number: str
    status: str
    status_name: str
    kind_name: str
    category_name: str
    summary: str
    created_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class TicketPage:
    items: list[TicketSummary]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class MyTicket:
    view: TicketView
    satisfaction: str | None
    attachments: list[dict[str, Any]]
    can_supplement: bool
    can_urge: bool
    can_evaluate: bool


async def own_ticket(*, number: str, citizen_id: int, lock: bool = False) -> Ticket:
    """The ticket if it is this citizen's; TicketNotFound otherwise (also for someone else's)."""
    query = Ticket.filter(number=normalize_number(number), citizen_id=citizen_id)
    ticket = await (query.select_for_update() if lock else query).first()
    if ticket is None:
        raise TicketNotFound(number)
    return ticket


async def file_ticket(
    *,
    principal: CitizenPrincipal,
    filing: MobileFiling,
    idempotency_key: str | None,
    config: IntakeConfig,
    now: datetime,
) -> FilingResult:
    """File a request for the signed-in citizen; the contact phone defaults to the last one."""
    citizen = await Citizen.get(id=principal.citizen_id)
    phone = filing.contact_phone or known_phone(citizen, secret_key=config.secret_key)
    if not phone:
        raise InvalidPhone("no contact phone")
    uploads = await media.own_uploads(citizen_id=citizen.id, media_ids=filing.media_ids)
    form = FilingForm(
        description=filing.description,
        contact_phone=phone,
        kind=filing.kind,
        category=filing.category,
        location=filing.location,
        latitude=filing.latitude,
        longitude=filing.longitude,
        region=filing.region,
        attachments=tuple(media.attachment_of(u) for u in uploads),
    )
    # Keys are the client's: scoped to the citizen, one person's key never replays another's.
    key = f"c{citizen.id}:{idempotency_key}" if idempotency_key else None
    result = await file_request(
        form=form,
        channel=principal.channel,
        idempotency_key=key,
        config=config,
        now=now,
        citizen=citizen,
    )
    # Bookkeeping after the ticket committed: the ticket's attachments already name the files,
    # and a retried request (same key) runs this again harmlessly.
    await media.link_to_ticket(uploads=uploads, ticket=await Ticket.get(number=result.number))
    number = normalize_mobile(phone)
    if number is not None:
        await remember_phone(citizen=citizen, phone=number, secret_key=config.secret_key)
    return result


def _summary(ticket: Ticket) -> TicketSummary:
    description = mask_text(ticket.description)
    return TicketSummary(
        number=ticket.number,
        status=ticket.status,
        status_name=text(f"status.{ticket.status}"),
        kind_name=kind_name(ticket.kind),
        category_name=category_name(ticket.category),
        summary=description if len(description) <= 60 else description[:60] + "…",
        created_at=ticket.created_at,
        due_at=ticket.due_at,
    )


async def list_tickets(*, citizen_id: int, limit: int, offset: int) -> TicketPage:
    """This citizen's tickets, newest first."""
    query = Ticket.filter(citizen_id=citizen_id)
    total = await query.count()
    rows = await query.order_by("-id").offset(offset).limit(limit)
    return TicketPage([_summary(t) for t in rows], total=total, limit=limit, offset=offset)


async def last_urge(ticket: Ticket) -> datetime | None:
    event = await TicketEvent.filter(ticket=ticket, action="urge").order_by("-id").first()
    return event.created_at if event else None


def urge_refusal(
    ticket: Ticket, *, last: datetime | None, policy: UrgePolicy, now: datetime
) -> str | None:
    """Why this ticket cannot be urged now (a catalogue key), or None when it can."""
    if ticket.status not in OPEN_STATUSES:
        return "mobile_error.urge_not_open"
    if workdays_between(ticket.created_at, now, policy.calendar) < policy.after_workdays:
        return "mobile_error.urge_too_early"
    if last is not None and now - last < timedelta(hours=policy.interval_hours):
        return "mobile_error.urge_too_often"
    return None


async def ticket_detail(
    *, citizen_id: int, number: str, policy: UrgePolicy, now: datetime
) -> MyTicket:
    """One of this citizen's tickets with its citizen-safe timeline and what they may do now."""
    read = await read_citizen_ticket(number=number, citizen_id=citizen_id)
    ticket = read.ticket
    urges = [e.at for e in read.events if e.action == "urge"]
    refusal = urge_refusal(ticket, last=urges[-1] if urges else None, policy=policy, now=now)
    return MyTicket(
        view=view_from(read),
        satisfaction=ticket.satisfaction,
        attachments=public_attachments(ticket.attachments),
        can_supplement=ticket.status in OPEN_STATUSES,
        can_urge=refusal is None,
        can_evaluate=ticket.status in EVALUABLE,
    )


def public_attachments(attachments: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the citizen may see of the files: no storage keys."""
    return [
        {
            "kind": a.get("kind", ""),
            "media_id": a.get("media_id"),
            "mime_type": a.get("mime_type", ""),
            "duration_ms": a.get("duration_ms"),
        }
        for a in attachments
    ]


@dataclass(frozen=True)
class FormOptions:
    kinds: dict[str, str]
    categories: list[Category]
    regions: dict[str, str]


async def form_options() -> FormOptions:
    """What the filing form offers: kinds, categories (事项分类) and regions."""
    regions = await Region.filter(level="city").order_by("code")
    return FormOptions(
        kinds=dict(KINDS),
        categories=sorted(CATEGORIES.values(), key=lambda c: c.code),
        regions={r.code: r.name for r in regions},
    )


async def departments(*, region: str | None) -> list[Department]:
    """Active departments (联动单位), of one region when given."""
    query = Department.filter(active=True).select_related("region")
    if region:
        query = query.filter(region_id=region.upper())
    return await query.order_by("code")
