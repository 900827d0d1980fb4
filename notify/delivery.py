"""Delivering one outbox row: claim it, try the citizen's channels in order, record the outcome.

Claiming (pending → sending, committed before any outbound call) is what makes a redelivered
task harmless. A sender that dies after its claim leaves the row "sending": after the claim
timeout it is marked "uncertain" and shown to staff rather than sent again, because we cannot
know whether the citizen already got it (WeChat and SMS calls have no idempotency key).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q

from hotline.settings import Settings
from intake.models import Ticket, TicketEvent
from notify.chat_surveys import await_survey_reply
from notify.models import Notification
from notify.recipients import recipients_for
from notify.senders import DeliveryError, OutboundMessage, sender_for

logger = logging.getLogger(__name__)
CLAIM_TIMEOUT = timedelta(minutes=2)


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | retry | undeliverable | skipped
    retry_after: float | None = None


async def deliver(*, notification_id: int, settings: Settings, now: datetime) -> Outcome:
    claimed = await Notification.filter(
        Q(status="pending") & (Q(not_before__isnull=True) | Q(not_before__lte=now)),
        id=notification_id,
    ).update(status="sending", claimed_at=now)
    if not claimed:
        return Outcome("skipped")  # sent already, being sent, or not due yet
    notification = await Notification.get(id=notification_id).prefetch_related("ticket")
    ticket: Ticket = notification.ticket
    message = OutboundMessage(
        text=notification.text,
        link=notification.link,
        purpose=notification.purpose,
        ticket_number=ticket.number,
        buttons=tuple((b["label"], b["reply"]) for b in notification.buttons),
        survey_id=notification.survey_id,
    )
    failed = {entry["channel"] for entry in notification.tried if entry.get("permanent")}
    for recipient in await recipients_for(ticket, settings, purpose=notification.purpose):
        if recipient.channel in failed:
            continue
        sender = sender_for(recipient.channel, settings)
        if sender is None:
            continue
        try:
            await sender.send(
                address=recipient.address,
                message=message,
                dedup_key=f"notification:{notification.id}",
            )
        except DeliveryError as exc:
            notification.tried = [
                *notification.tried,
                {
                    "channel": recipient.channel,
                    "error": str(exc)[:200],
                    "permanent": exc.permanent,
                },
            ]
            notification.last_error = str(exc)[:255]
            if exc.permanent:
                continue  # fall back to the next channel at once
            notification.status = "pending"
            notification.attempts += 1
            await notification.save()
            return Outcome("retry", exc.retry_after)
        notification.status = "sent"
        notification.channel = recipient.channel
        notification.sent_at = now
        await notification.save()
        if notification.survey_id is not None:
            await await_survey_reply(
                survey_id=notification.survey_id, ticket=ticket, recipient=recipient
            )
        return Outcome("sent")
    notification.status = "undeliverable"
    await notification.save()
    await TicketEvent.create(
        ticket=ticket,
        action="notification_undeliverable",
        actor_type="system",
        internal_note=f"{notification.purpose}: no channel could reach the citizen "
        f"({notification.last_error})",
    )
    logger.warning("notification %s undeliverable", notification.id)
    return Outcome("undeliverable")


async def give_up(*, notification_id: int) -> None:
    """Retries exhausted on a retriable error: record it where staff look."""
    notification = await Notification.get(id=notification_id).prefetch_related("ticket")
    if notification.status in ("sent", "undeliverable"):
        return
    notification.status = "undeliverable"
    await notification.save()
    await TicketEvent.create(
        ticket=notification.ticket,
        action="notification_undeliverable",
        actor_type="system",
        internal_note=f"{notification.purpose}: gave up after {notification.attempts} attempts "
        f"({notification.last_error})",
    )


async def due_for_sending(*, now: datetime, limit: int = 500) -> list[int]:
    """Pending rows whose time has come (quiet hours over, or never published)."""
    rows = (
        await Notification.filter(
            Q(not_before__isnull=True) | Q(not_before__lte=now), status="pending"
        )
        .order_by("id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(str(row)) for row in rows]


async def mark_stale_claims(*, now: datetime) -> int:
    """Senders that died mid-call: uncertain, shown to staff, never silently re-sent."""
    stale = await Notification.filter(status="sending", claimed_at__lt=now - CLAIM_TIMEOUT)
    for notification in stale:
        notification.status = "uncertain"
        await notification.save(update_fields=["status"])
        await TicketEvent.create(
            ticket_id=notification.ticket_id,
            action="notification_uncertain",
            actor_type="system",
            internal_note=f"{notification.purpose}: the sender stopped mid-delivery; check "
            "whether the citizen received it before re-sending",
        )
    return len(stale)
