"""Callback surveys (回访): sent after closure, answered by chat, buttons, the H5 page or a
voice call; an unhappy answer reopens the ticket for review.

Questions, one at a time: was the problem solved (是/否), then the national 5-level scale, then
an optional comment. A reply that answers more than asked ("解决了，很满意") skips ahead; one the
parser cannot read gets a single clarifying question.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from hotline.settings import Settings
from intake import operations, sql
from intake.catalogue import speaking, text
from intake.display_names import category_name, level_name
from intake.errors import IllegalTransition
from intake.events import on_commit, unit_of_work
from intake.messages import Button, Reply
from intake.models import Ticket, TicketEvent
from intake.survey_answers import LEVELS, SurveyAnswer, parse_answer
from intake.workflow import RULES, Action, Actor
from notify.models import Notification, Survey

CITIZEN = "citizen"
_NONE = frozenset({"无", "没有", "没了", "不用", "没有了", "no", "none", "算了"})


def question(stage: str, ticket: Ticket) -> Reply:
    with speaking(ticket.language):
        return _question(stage, number=ticket.number, category=ticket.category)


def _question(stage: str, *, number: str, category: str | None) -> Reply:
    if stage == "resolved":
        return Reply(
            text(
                "notify.survey_resolved",
                number=number,
                category=category_name(category),
            ),
            buttons=(
                Button(text("notify.button_yes"), "是"),
                Button(text("notify.button_no"), "否"),
            ),
        )
    if stage == "satisfaction":
        return Reply(
            text("notify.survey_satisfaction"),
            buttons=tuple(Button(level_name(level), str(i + 1)) for i, level in enumerate(LEVELS)),
        )
    return Reply(text("notify.survey_comment"))


# The round works in sets: each batch is one transaction of a handful of statements whatever
# its size (claim, ticket transition, events, notifications), then one publish per delivery
# batch once it commits. A round keeps going while surveys are due, within a time budget so
# one beat tick never runs for ever; overlapping rounds share the work (SKIP LOCKED).
BATCH = 500
ROUND_SECONDS = 45.0


async def run_round(
    *,
    settings: Settings,
    now: datetime,
    batch_size: int = BATCH,
    time_budget: float = ROUND_SECONDS,
) -> dict[str, int]:
    """Send surveys that are due, remind, and close unanswered ones as no_response; returns
    how many of each. Each kind gets at least one batch, then more while time is left."""
    deadline = time.monotonic() + time_budget
    counts = {"sent": 0, "reminded": 0, "no_response": 0}
    steps: tuple[tuple[str, _Step], ...] = (
        ("sent", send_invitations),
        ("reminded", send_reminders),
        ("no_response", expire_unanswered),
    )
    for key, step in steps:
        while True:
            done, more = await step(settings=settings, now=now, limit=batch_size)
            counts[key] += done
            if not more or time.monotonic() >= deadline:
                break
    return counts


class _Step(Protocol):
    async def __call__(
        self, *, settings: Settings, now: datetime, limit: int
    ) -> tuple[int, bool]: ...


def _claim(update: str, due: str) -> str:
    """``update`` applied to the surveys ``due`` selects (``id IN ({due})``) that still match
    it; ``due`` is the WHERE ... LIMIT of a selection from ``survey s``.

    On PostgreSQL the surveys and their tickets are locked together, and rows someone else
    holds are skipped, not waited for: a citizen's evaluation locks the ticket, then its survey;
    a round that locked the survey first and then waited for the ticket would deadlock with it.
    The selection is materialised: as a plain ``IN (subquery)`` the planner may run it again for
    each row, and a re-run skips the rows this statement just changed and locks the next ones,
    well past the LIMIT. On SQLite the write transaction is exclusive and the UPDATE's WHERE
    re-checks."""
    if sql.is_postgres():
        select = (
            f"SELECT s.id FROM survey s JOIN ticket t ON t.id = s.ticket_id {due} "
            "FOR UPDATE OF s, t SKIP LOCKED"
        )
        head = f"WITH due AS MATERIALIZED ({select}) "
    else:
        head = f"WITH due AS (SELECT s.id FROM survey s {due}) "
    return head + update.replace("{due}", "SELECT id FROM due")


async def send_invitations(*, settings: Settings, now: datetime, limit: int) -> tuple[int, bool]:
    """Invite up to ``limit`` due surveys in one transaction: claim them (scheduled → sent),
    move their tickets to ``surveyed`` where that is legal, record the events, write the
    invitations; publish after commit. Returns (invited, whether more may be due)."""
    reminder_at = (
        now + timedelta(hours=settings.survey_reminder_hours) if settings.survey_reminders else None
    )
    async with unit_of_work():
        claimed = await sql.rows(
            _claim(
                "UPDATE survey SET status = 'sent', sent_at = $1, next_reminder_at = $2, "
                "expires_at = $3 WHERE status = 'scheduled' AND id IN ({due}) "
                "RETURNING id, ticket_id",
                "WHERE s.status = 'scheduled' AND s.send_at <= $1 ORDER BY s.send_at, s.id "
                "LIMIT $4",
            ),
            _at(now),
            _at(reminder_at),
            _at(now + timedelta(days=settings.survey_answer_days)),
            limit,
        )
        if not claimed:
            return 0, False
        claimed.sort(key=lambda row: int(row["id"]))
        tickets = await _tickets({int(row["ticket_id"]) for row in claimed})
        # Reopened or evaluated meanwhile: ask anyway, the answer is still wanted.
        await _transition(sorted(tickets), Action.SURVEY)
        rows = []
        for row in claimed:
            ticket = tickets[int(row["ticket_id"])]
            with speaking(ticket.language):
                first = _question("resolved", number=ticket.number, category=ticket.category)
            rows.append(
                _notification(
                    ticket_id=int(row["ticket_id"]),
                    survey_id=int(row["id"]),
                    purpose="survey",
                    dedup_key=f"survey:{row['id']}:invite",
                    reply=first,
                )
            )
        await _write_notifications(rows)
    return len(claimed), len(claimed) >= limit


async def send_reminders(*, settings: Settings, now: datetime, limit: int) -> tuple[int, bool]:
    """Remind up to ``limit`` surveys still unanswered (not yet expired) in one transaction."""
    async with unit_of_work():
        claimed = await sql.rows(
            _claim(
                "UPDATE survey SET reminders_sent = reminders_sent + 1, next_reminder_at = "
                f"CASE WHEN reminders_sent + 1 < $2 THEN {_timestamp('$3')} ELSE NULL END "
                "WHERE status = 'sent' AND next_reminder_at <= $1 AND id IN ({due}) "
                "RETURNING id, ticket_id, stage, reminders_sent",
                "WHERE s.status = 'sent' AND s.next_reminder_at <= $1 "
                "AND (s.expires_at IS NULL OR s.expires_at > $1) "
                "ORDER BY s.next_reminder_at, s.id LIMIT $4",
            ),
            _at(now),
            settings.survey_reminders,
            _at(now + timedelta(hours=settings.survey_reminder_hours)),
            limit,
        )
        if not claimed:
            return 0, False
        claimed.sort(key=lambda row: int(row["id"]))
        tickets = await _tickets({int(row["ticket_id"]) for row in claimed})
        rows = []
        for row in claimed:
            ticket = tickets[int(row["ticket_id"])]
            with speaking(ticket.language):
                ask = _question(row["stage"], number=ticket.number, category=ticket.category)
                reminder = text("notify.survey_reminder", number=ticket.number) + ask.text
            rows.append(
                _notification(
                    ticket_id=int(row["ticket_id"]),
                    survey_id=int(row["id"]),
                    purpose="survey_reminder",
                    dedup_key=f"survey:{row['id']}:reminder:{row['reminders_sent']}",
                    reply=Reply(reminder, buttons=ask.buttons),
                )
            )
        await _write_notifications(rows)
    return len(claimed), len(claimed) >= limit


async def expire_unanswered(*, settings: Settings, now: datetime, limit: int) -> tuple[int, bool]:
    """Close up to ``limit`` surveys past their answer time as no_response, with their events.
    Silence is never counted as satisfied."""
    async with unit_of_work():
        claimed = await sql.rows(
            _claim(
                "UPDATE survey SET status = 'no_response' WHERE status = 'sent' "
                "AND expires_at <= $1 AND id IN ({due}) RETURNING id, ticket_id",
                "WHERE s.status = 'sent' AND s.expires_at <= $1 ORDER BY s.expires_at, s.id "
                "LIMIT $2",
            ),
            _at(now),
            limit,
        )
        if not claimed:
            return 0, False
        claimed.sort(key=lambda row: int(row["id"]))
        await _insert_events(
            [(int(row["ticket_id"]), None, None) for row in claimed], action="survey_no_response"
        )
    return len(claimed), len(claimed) >= limit


def _timestamp(mark: str) -> str:
    # A parameter PostgreSQL cannot type from its context (inside CASE); SQLite stores text.
    return f"CAST({mark} AS TIMESTAMPTZ)" if sql.is_postgres() else mark


class _Wording(NamedTuple):
    """What a survey question says about its ticket, and in which language."""

    number: str
    category: str | None
    language: str


async def _tickets(ids: set[int]) -> dict[int, _Wording]:
    marks = ", ".join(f"${i + 1}" for i in range(len(ids)))
    found = await sql.rows(
        f"SELECT id, number, category, language FROM ticket WHERE id IN ({marks})", *ids
    )
    return {
        int(row["id"]): _Wording(row["number"], row["category"], row["language"]) for row in found
    }


def _at(value: datetime | None) -> Any:
    return sql.db_value(Survey, "send_at", value) if value is not None else None


async def _transition(ticket_ids: list[int], action: Action) -> None:
    """``apply_action`` for a set of tickets in bulk: each ticket whose status allows ``action``
    moves (one UPDATE per allowed source status) and gets its event; the others are left as
    they are (``IllegalTransition``, ignored). Ticket-event listeners are not called: notify's
    own is the only one and does nothing for these actions."""
    rule = RULES[action]
    if rule.target is None or not ticket_ids:
        return
    at = sql.db_value(Ticket, "updated_at", datetime.now(UTC))
    moves: list[tuple[int, str | None, str | None]] = []
    for source in sorted(rule.sources):
        marks = ", ".join(f"${i + 4}" for i in range(len(ticket_ids)))
        moved = await sql.rows(
            f"UPDATE ticket SET status = $1, updated_at = $2 WHERE status = $3 "
            f"AND id IN ({marks}) RETURNING id",
            rule.target.value,
            at,
            source.value,
            *ticket_ids,
        )
        moves += [(int(row["id"]), source.value, rule.target.value) for row in moved]
    moves.sort()
    await _insert_events(moves, action=action.value)


async def _insert_events(moves: list[tuple[int, str | None, str | None]], *, action: str) -> None:
    """System events (ticket id, from status, to status) in one statement."""
    if not moves:
        return
    at = sql.db_value(TicketEvent, "created_at", datetime.now(UTC))
    await _insert(
        "ticket_event",
        ("ticket_id", "from_status", "to_status"),
        moves,
        fixed={
            "action": action,
            "actor_type": "system",
            "actor_id": "",
            "public_note": "",
            "internal_note": "",
            "created_at": at,
        },
    )


def _notification(
    *, ticket_id: int, survey_id: int, purpose: str, dedup_key: str, reply: Reply
) -> tuple[Any, ...]:
    buttons = [{"label": b.label, "reply": b.reply} for b in reply.buttons]
    return (
        ticket_id,
        survey_id,
        purpose,
        dedup_key,
        reply.text,
        sql.db_value(Notification, "buttons", buttons),
    )


async def _write_notifications(rows: list[tuple[Any, ...]]) -> list[int]:
    """Outbox rows (from ``_notification``) in one statement, published once the transaction
    commits, in delivery batches."""
    from notify.outbox import enqueue_deliveries

    created = await _insert(
        "notification",
        ("ticket_id", "survey_id", "purpose", "dedup_key", "text", "buttons"),
        rows,
        fixed={
            "link": "",
            "urgent": sql.db_value(Notification, "urgent", False),
            "status": "pending",
            "channel": "",
            "tried": sql.db_value(Notification, "tried", []),
            "attempts": 0,
            "not_before": None,
            "claimed_at": None,
            "last_error": "",
            "created_at": sql.db_value(Notification, "created_at", datetime.now(UTC)),
            "sent_at": None,
        },
        returning="id",
    )
    ids = sorted(int(row["id"]) for row in created)
    on_commit(lambda: enqueue_deliveries(ids))
    return ids


async def _insert(
    table: str,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    fixed: dict[str, Any],
    returning: str = "",
) -> list[dict[str, Any]]:
    """One multi-row INSERT: ``columns`` vary by row, ``fixed`` are the same for every row
    (sent once). Table and column names come from this module, never from input."""
    params: list[Any] = list(fixed.values())
    shared = [f"${i + 1}" for i in range(len(params))]
    values = []
    for row in rows:
        marks = []
        for value in row:
            params.append(value)
            marks.append(f"${len(params)}")
        values.append(f"({', '.join([*marks, *shared])})")
    statement = (
        f"INSERT INTO {table} ({', '.join([*columns, *fixed])}) VALUES {', '.join(values)}"
        + (f" RETURNING {returning}" if returning else "")
    )
    return await sql.rows(statement, *params)


async def open_survey_for(*, citizen_id: int) -> Survey | None:
    """The survey this citizen is being asked right now, if any."""
    return (
        await Survey.filter(status="sent", ticket__citizen_id=citizen_id)
        .order_by("-sent_at")
        .first()
    )


async def answer(*, survey: Survey, reply_text: str, actor: Actor, now: datetime) -> list[Reply]:
    """Take one reply to the survey's current question; returns what to say next."""
    ticket = await Ticket.get(id=survey.ticket_id)
    stage = survey.stage
    if stage == "comment":
        if reply_text.strip().lower() not in _NONE:
            survey.comment = reply_text.strip()[:2000]
        return await _finish(survey, ticket, actor, now)
    parsed = parse_answer(reply_text, expecting=stage)
    if not _answers(parsed, stage):
        if survey.clarifications == 0:
            survey.clarifications += 1
            await survey.save(update_fields=["clarifications"])
            ask = question(stage, ticket)
            return [Reply(text("notify.survey_clarify") + ask.text, buttons=ask.buttons)]
        # Still unreadable after one clarification: keep the words for staff and move on.
        survey.comment = (survey.comment + " " + reply_text.strip()).strip()[:2000]
        survey.clarifications = 0
        if stage == "resolved":
            survey.stage = "satisfaction"
            await survey.save()
            return [question("satisfaction", ticket)]
        return await _finish(survey, ticket, actor, now)
    if parsed.resolved is not None:
        survey.resolved = parsed.resolved
    if parsed.satisfaction is not None:
        survey.satisfaction = parsed.satisfaction
    if parsed.comment:
        survey.comment = parsed.comment
    return await _advance(survey, ticket, stage, actor, now)


async def record_answer(
    *, survey: Survey, answer: SurveyAnswer, actor: Actor, now: datetime
) -> list[Reply]:
    """Take an answer given in one go (a phone call asks both questions at once) and end the
    survey the way a chat answer ends it: evaluation, reopening and supervisor alert alike."""
    ticket = await Ticket.get(id=survey.ticket_id)
    if answer.resolved is not None:
        survey.resolved = answer.resolved
    if answer.satisfaction is not None:
        survey.satisfaction = answer.satisfaction
    if answer.comment:
        survey.comment = answer.comment[:2000]
    return await _finish(survey, ticket, actor, now)


def _answers(parsed: SurveyAnswer, stage: str) -> bool:
    return parsed.resolved is not None if stage == "resolved" else parsed.satisfaction is not None


async def _advance(
    survey: Survey, ticket: Ticket, stage: str, actor: Actor, now: datetime
) -> list[Reply]:
    survey.clarifications = 0
    if survey.satisfaction is None:
        survey.stage = "satisfaction"
    elif not survey.comment and stage != "comment":
        survey.stage = "comment"
    else:
        return await _finish(survey, ticket, actor, now)
    await survey.save()
    ask = question(survey.stage, ticket)
    return [ask]


async def _finish(survey: Survey, ticket: Ticket, actor: Actor, now: datetime) -> list[Reply]:
    survey.status = "answered"
    survey.stage = "done"
    survey.answered_at = now
    await survey.save()
    unhappy = survey.resolved is False or survey.satisfaction in (
        "dissatisfied",
        "very_dissatisfied",
    )
    if survey.satisfaction is not None:
        # An operator may have evaluated or reopened it meanwhile; the survey keeps the answer.
        with contextlib.suppress(IllegalTransition):
            await operations.evaluate(
                number=ticket.number,
                satisfaction=survey.satisfaction,
                comment=survey.comment,
                actor=actor,
            )
    if survey.resolved is False:
        fresh = await Ticket.get(id=ticket.id)
        if fresh.status != "reopened":
            with contextlib.suppress(IllegalTransition):
                await operations.reopen(
                    number=ticket.number,
                    actor=actor,
                    reason=f"callback survey: not solved. {survey.comment}",
                )
    if unhappy:
        await TicketEvent.create(
            ticket=ticket,
            action="supervisor_alert",
            actor_type="system",
            internal_note=f"unhappy callback survey: resolved="
            f"{survey.resolved} satisfaction="
            f"{survey.satisfaction} {survey.comment}",
        )
        return [Reply(text("notify.survey_thanks_reopen", number=ticket.number))]
    return [Reply(text("notify.survey_thanks"))]
