"""Callback surveys (回访): sent after closure, answered by chat, buttons, the H5 page or a
voice call; an unhappy answer reopens the ticket for review.

Questions, one at a time: was the problem solved (是/否), then the national 5-level scale, then
an optional comment. A reply that answers more than asked ("解决了，很满意") skips ahead; one the
parser cannot read gets a single clarifying question.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from hotline.settings import Settings
from intake import operations
from intake.catalogue import text
from intake.errors import IllegalTransition
from intake.events import unit_of_work
from intake.messages import Button, Reply
from intake.models import Ticket, TicketEvent
from intake.progress import category_name
from intake.survey_answers import LEVEL_NAMES, LEVELS, SurveyAnswer, parse_answer
from intake.workflow import Action, Actor, apply_action
from notify.models import Notification, Survey

CITIZEN = "citizen"
_NONE = frozenset({"无", "没有", "没了", "不用", "没有了", "no", "none", "算了"})


def question(stage: str, ticket: Ticket) -> Reply:
    if stage == "resolved":
        return Reply(
            text(
                "notify.survey_resolved",
                number=ticket.number,
                category=category_name(ticket.category),
            ),
            buttons=(
                Button(text("notify.button_yes"), "是"),
                Button(text("notify.button_no"), "否"),
            ),
        )
    if stage == "satisfaction":
        return Reply(
            text("notify.survey_satisfaction"),
            buttons=tuple(Button(LEVEL_NAMES[level], str(i + 1)) for i, level in enumerate(LEVELS)),
        )
    return Reply(text("notify.survey_comment"))


async def run_round(*, settings: Settings, now: datetime) -> dict[str, int]:
    sent = reminded = expired = 0
    for survey in await Survey.filter(status="scheduled", send_at__lte=now).limit(1000):
        if await send_invitation(survey=survey, settings=settings, now=now):
            sent += 1
    for survey in await Survey.filter(status="sent", next_reminder_at__lte=now).limit(1000):
        if survey.expires_at and survey.expires_at <= now:
            continue
        await _remind(survey, settings, now)
        reminded += 1
    for survey in await Survey.filter(status="sent", expires_at__lte=now).limit(1000):
        # Silence is never counted as satisfied.
        survey.status = "no_response"
        await survey.save(update_fields=["status"])
        await TicketEvent.create(
            ticket_id=survey.ticket_id,
            action="survey_no_response",
            actor_type="system",
        )
        expired += 1
    return {"sent": sent, "reminded": reminded, "no_response": expired}


async def send_invitation(*, survey: Survey, settings: Settings, now: datetime) -> bool:
    from notify.outbox import enqueue_delivery

    async with unit_of_work():
        claimed = await Survey.filter(id=survey.id, status="scheduled").update(
            status="sent",
            sent_at=now,
            next_reminder_at=now + timedelta(hours=settings.survey_reminder_hours)
            if settings.survey_reminders
            else None,
            expires_at=now + timedelta(days=settings.survey_answer_days),
        )
        if not claimed:
            return False
        ticket = await Ticket.select_for_update().get(id=survey.ticket_id)
        # Reopened or evaluated meanwhile: ask anyway, the answer is still wanted.
        with contextlib.suppress(IllegalTransition):
            await apply_action(ticket, Action.SURVEY, actor=Actor("system"))
        first = question("resolved", ticket)
        notification = await Notification.create(
            ticket=ticket,
            purpose="survey",
            survey=survey,
            dedup_key=f"survey:{survey.id}:invite",
            text=first.text,
            buttons=[{"label": b.label, "reply": b.reply} for b in first.buttons],
            link="",
        )
        from intake.events import on_commit

        on_commit(lambda: enqueue_delivery(notification.id))
    return True


async def _remind(survey: Survey, settings: Settings, now: datetime) -> None:
    from notify.outbox import enqueue_delivery

    ticket = await Ticket.get(id=survey.ticket_id)
    async with unit_of_work():
        survey.reminders_sent += 1
        more = survey.reminders_sent < settings.survey_reminders
        survey.next_reminder_at = (
            now + timedelta(hours=settings.survey_reminder_hours) if more else None
        )
        await survey.save(update_fields=["reminders_sent", "next_reminder_at"])
        ask = question(survey.stage, ticket)
        notification = await Notification.create(
            ticket=ticket,
            purpose="survey_reminder",
            survey=survey,
            dedup_key=f"survey:{survey.id}:reminder:{survey.reminders_sent}",
            text=text("notify.survey_reminder", number=ticket.number) + ask.text,
            buttons=[{"label": b.label, "reply": b.reply} for b in ask.buttons],
            link="",
        )
        from intake.events import on_commit

        on_commit(lambda: enqueue_delivery(notification.id))


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
