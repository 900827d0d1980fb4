"""What to tell the citizen when a ticket changes: outbox rows written inside the change's
transaction (an ``intake.events`` listener), published to the broker once it commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hotline.settings import Settings
from intake.catalogue import speaking, text
from intake.events import on_commit, subscribe
from intake.models import Ticket, TicketEvent
from intake.operations import UNSATISFIED, format_due
from intake.tickets import department_name
from notify.links import ticket_link
from notify.models import Notification, Survey
from notify.schedule import next_allowed, parse_quiet_hours

logger = logging.getLogger(__name__)

# Channels where the citizen was talking to us when the ticket was filed: the reply in that
# conversation already carried the number and deadline, so no separate "accepted" message.
CHAT_CHANNELS = frozenset({"wechat", "telegram", "test", "bench"})


@dataclass
class _State:
    settings: Settings | None = None


_state = _State()


def install(settings: Settings) -> None:
    """Start writing notifications for ticket changes in this process (idempotent)."""
    from notify.channel_senders import install_senders
    from notify.chat_surveys import install as install_chat_surveys

    _state.settings = settings
    subscribe(on_ticket_event)
    install_chat_surveys()
    install_senders(settings)


def settings() -> Settings:
    if _state.settings is None:
        raise RuntimeError("notify.outbox.install(settings) was not called in this process")
    return _state.settings


async def on_ticket_event(ticket: Ticket, event: TicketEvent) -> None:
    purpose = _purpose(ticket, event)
    if purpose is not None:
        await _write(ticket, event, purpose)
    if event.action == "close":
        await schedule_survey(ticket=ticket, now=datetime.now(UTC))
    elif event.action == "evaluate":
        await _mark_answered_elsewhere(ticket, event)


def _purpose(ticket: Ticket, event: TicketEvent) -> str | None:
    if ticket.scope != "in":
        return None  # emergencies and declined requests were answered in the conversation
    if event.action == "receive":
        if ticket.channel in CHAT_CHANNELS or ticket.status != "received":
            return None
        return "accepted"
    return {
        "dispatch": "dispatched",
        "reply": "replied",
        "extension_approved": "extended",
        "close": "closed",
    }.get(event.action)


async def _render(ticket: Ticket, purpose: str, link: str) -> str:
    params: dict[str, str] = {"number": ticket.number, "link": link}
    if purpose in ("accepted", "extended") and ticket.due_at is not None:
        params["due"] = format_due(ticket.due_at)
    if purpose == "dispatched":
        params["department"] = await department_name(ticket)
    if purpose == "replied":
        params["reply"] = ticket.reply_text[:300]
    return text(f"notify.{purpose}", **params)


async def _write(ticket: Ticket, event: TicketEvent, purpose: str) -> None:
    config = settings()
    link = await ticket_link(ticket=ticket, settings=config)
    now = datetime.now(UTC)
    urgent = ticket.urgency == "urgent"
    not_before = now if urgent else next_allowed(now, parse_quiet_hours(config.quiet_hours))
    # The citizen's language, not the one of whoever caused the change (staff, a worker).
    with speaking(ticket.language):
        rendered = await _render(ticket, purpose, link)
    notification = await Notification.create(
        ticket=ticket,
        purpose=purpose,
        dedup_key=f"event:{event.id}:{purpose}",
        text=rendered,
        link=link,
        urgent=urgent,
        not_before=not_before,
    )
    if not_before <= now:
        on_commit(lambda: enqueue_delivery(notification.id))


async def enqueue_delivery(notification_id: int, *, countdown: float | None = None) -> None:
    from notify.tasks import deliver  # the task module imports this one

    deliver.apply_async((notification_id,), countdown=countdown)


# Notifications per ``notify.deliver_batch`` message: one publish instead of hundreds when
# many are written at once (a survey round), small enough to spread over the workers.
DELIVERY_BATCH = 250


async def enqueue_deliveries(notification_ids: list[int]) -> None:
    """Publish many deliveries, ``DELIVERY_BATCH`` ids per task. A publish that fails leaves
    its rows pending for ``notify.sweep``; the other batches still go."""
    from notify.tasks import deliver_batch

    for start in range(0, len(notification_ids), DELIVERY_BATCH):
        chunk = notification_ids[start : start + DELIVERY_BATCH]
        try:
            deliver_batch.apply_async((chunk,))
        except Exception:
            logger.exception("publishing %d deliveries failed; the sweep will", len(chunk))


async def schedule_survey(*, ticket: Ticket, now: datetime) -> Survey:
    """A survey for this closure, sent after the configured delay (a reopened and re-closed
    ticket gets a new one)."""
    closures = await TicketEvent.filter(ticket=ticket, action="close").count()
    survey, _ = await Survey.get_or_create(
        ticket=ticket,
        closure_no=closures,
        defaults={"send_at": now + timedelta(minutes=settings().survey_delay_minutes)},
    )
    return survey


async def _mark_answered_elsewhere(ticket: Ticket, event: TicketEvent) -> None:
    """An evaluation made outside the survey (the mini-program or app, the H5 page, an operator)
    answers it, comment included; an unhappy one alerts a supervisor, as an unhappy answer in
    the survey itself does (``notify.surveys``)."""
    comment = event.internal_note.strip()[:2000]
    answered = await Survey.filter(ticket=ticket, status__in=["scheduled", "sent"]).update(
        status="answered",
        stage="done",
        satisfaction=ticket.satisfaction,
        comment=comment,
        answered_at=datetime.now(UTC),
    )
    if answered and ticket.satisfaction in UNSATISFIED:
        await TicketEvent.create(
            ticket=ticket,
            action="supervisor_alert",
            actor_type="system",
            internal_note=f"unhappy callback survey: resolved=None "
            f"satisfaction={ticket.satisfaction} {comment}",
        )
