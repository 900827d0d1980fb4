"""Filing a request directly (a web or app form): triage, then a ticket, honouring an
Idempotency-Key so a retried submission never creates a second ticket."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from hotline import crypto
from intake.catalogue import text
from intake.citizens import citizen_for
from intake.config import IntakeConfig
from intake.display_names import kind_name
from intake.errors import IdempotencyConflict, InvalidInput, InvalidPhone
from intake.events import unit_of_work
from intake.models import Citizen, InboundMessage, Region
from intake.operations import format_due
from intake.pii import normalize_mobile
from intake.taxonomy import CATEGORIES, KINDS
from intake.tickets import TicketDraft, create_ticket, department_name
from intake.timeline_notes import timeline_note
from intake.triage import triage
from intake.workflow import Action, Actor, apply_action


@dataclass(frozen=True)
class FilingForm:
    description: str
    contact_phone: str
    kind: str | None = None
    category: str | None = None
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    region: str | None = None
    # Already stored uploads, as tickets carry them ({"kind", "ref", "mime_type", ...}).
    attachments: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class FilingResult:
    number: str
    status: str
    message: str
    due_at: str | None = None
    merged_into: str | None = None
    scope: str = "in"


def _fingerprint(form: FilingForm) -> str:
    return hashlib.sha256(json.dumps(asdict(form), sort_keys=True).encode()).hexdigest()


async def file_request(
    *,
    form: FilingForm,
    channel: str,
    idempotency_key: str | None,
    config: IntakeConfig,
    now: datetime,
    citizen: Citizen | None = None,
) -> FilingResult:
    """File ``form``; for ``citizen`` when the channel knows who is signed in, else for the
    person behind the contact phone."""
    phone = normalize_mobile(form.contact_phone)
    if phone is None:
        raise InvalidPhone(form.contact_phone)
    if form.kind is not None and form.kind not in KINDS:
        raise InvalidInput(f"unknown kind {form.kind}")
    if form.category is not None and form.category not in CATEGORIES:
        raise InvalidInput(f"unknown category {form.category}")
    if form.region is not None and not await Region.exists(code=form.region):
        raise InvalidInput(f"unknown region {form.region}")
    fingerprint = _fingerprint(form)
    if idempotency_key:
        stored = await _replay(channel, idempotency_key, fingerprint)
        if stored is not None:
            return stored
    if citizen is None:
        citizen = await citizen_for(
            channel="phone", external_id=crypto.digest(phone, secret_key=config.secret_key)
        )
    try:
        async with unit_of_work():
            record = None
            if idempotency_key:
                record = await InboundMessage.create(
                    channel=channel,
                    external_id=f"idem:{idempotency_key}",
                    result={"fingerprint": fingerprint},
                )
            result = await _file(form, phone, citizen, channel, config, now)
            if record is not None:
                record.result = {"fingerprint": fingerprint, "response": asdict(result)}
                await record.save(update_fields=["result"])
    except IntegrityError:
        # A concurrent submission with the same key won; answer what it answered.
        stored = await _replay(channel, idempotency_key or "", fingerprint)
        if stored is None:
            raise
        return stored
    return result


async def _replay(channel: str, key: str, fingerprint: str) -> FilingResult | None:
    record = await InboundMessage.get_or_none(channel=channel, external_id=f"idem:{key}")
    if record is None:
        return None
    if record.result.get("fingerprint") != fingerprint:
        raise IdempotencyConflict(key)
    response: dict[str, Any] = record.result["response"]
    return FilingResult(**response)


async def _file(
    form: FilingForm, phone: str, citizen: Any, channel: str, config: IntakeConfig, now: datetime
) -> FilingResult:
    result = triage(form.description)
    actor = Actor("citizen", f"{channel}:{citizen.id}")
    scope = result.scope
    draft = TicketDraft(
        channel=channel,
        description=form.description.strip(),
        kind=form.kind or result.kind,
        category=(form.category or result.category) if scope == "in" else None,
        scope=scope,
        urgency=result.urgency,
        region_code=form.region or "",
        location=form.location.strip(),
        latitude=form.latitude,
        longitude=form.longitude,
        contact_phone=phone,
        attachments=list(form.attachments),
        confidence=result.confidence,
    )
    created = await create_ticket(draft=draft, citizen=citizen, config=config, now=now, actor=actor)
    ticket = created.ticket
    if result.is_emergency:
        number = result.emergency_number or "110"
        await apply_action(
            ticket,
            Action.TRANSFER,
            actor=actor,
            public_note=timeline_note("transferred", number=number),
        )
        return FilingResult(ticket.number, ticket.status, text(f"emergency.{number}"), scope=scope)
    if result.is_out_of_scope:
        await apply_action(
            ticket, Action.REJECT, actor=actor, public_note=timeline_note("rejected")
        )
        advice = text("out_of_scope.intro") + text(f"out_of_scope.{result.out_reason}")
        return FilingResult(ticket.number, ticket.status, advice, scope=scope)
    assert ticket.due_at is not None
    if created.merged_into is not None:
        message = text("dialogue.merged", existing=created.merged_into.number, number=ticket.number)
        return FilingResult(
            ticket.number,
            ticket.status,
            message,
            ticket.due_at.isoformat(),
            created.merged_into.number,
        )
    message = text(
        "dialogue.created",
        number=ticket.number,
        kind=kind_name(ticket.kind),
        department=await department_name(ticket),
        due=format_due(ticket.due_at),
    )
    return FilingResult(ticket.number, ticket.status, message, ticket.due_at.isoformat())
