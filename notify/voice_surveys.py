"""Callback surveys by phone: the invitation becomes a call task for the call-centre platform
(``channels.voice_survey``), and the answer the call brings is recorded like a chat answer.

The platform plays ``voice.survey_prompt``, which asks both questions at once, and posts the
keys pressed or a recording; ``channels.voice_survey`` parses them (the one survey parser,
``intake.survey_answers``) and then runs the task named here, ``notify.voice_survey_answer``,
with the call task's id. The call task's dedup key carries the survey's id, so the answer
finds its survey without channels knowing about surveys.
"""

from __future__ import annotations

import re
from datetime import datetime

from channels.voice_models import CallTask
from channels.voice_survey import create_call_task
from hotline.settings import Settings
from intake.catalogue import text
from intake.events import unit_of_work
from intake.models import TicketEvent
from intake.survey_answers import SurveyAnswer
from intake.workflow import Actor
from notify import surveys
from notify.models import Survey

ANSWER_TASK = "notify.voice_survey_answer"
# A call still to be made or whose answer is still being transcribed.
_OPEN = ("pending", "dialling", "answered")
_KEY = re.compile(r"^survey:(\d+):")


def call_key(*, survey_id: int, dedup_key: str) -> str:
    return f"survey:{survey_id}:{dedup_key}"


def survey_id_of(task: CallTask) -> int | None:
    found = _KEY.match(task.dedup_key)
    return int(found.group(1)) if found else None


async def request_call(
    *, survey_id: int, phone: str, ticket_number: str, dedup_key: str, settings: Settings
) -> None:
    """Ask the platform to call ``phone`` with the survey (idempotent on ``dedup_key``). A
    reminder while an earlier call is still open adds no second call: one ring is enough."""
    key = call_key(survey_id=survey_id, dedup_key=dedup_key)
    still_open = await CallTask.filter(
        dedup_key__startswith=call_key(survey_id=survey_id, dedup_key=""), status__in=_OPEN
    ).exclude(dedup_key=key)
    if still_open:
        return
    await create_call_task(
        dedup_key=key,
        phone=phone,
        prompt_text=text("voice.survey_prompt"),
        secret_key=settings.secret_key,
        ticket_number=ticket_number,
        purpose="survey",
        on_result=ANSWER_TASK,
    )


async def take_call_answer(*, call_task_id: int, now: datetime) -> str:
    """Record what a survey call brought as the survey's answer; returns what happened."""
    task = await CallTask.get_or_none(id=call_task_id)
    survey_id = survey_id_of(task) if task is not None else None
    if task is None or survey_id is None or task.status != "parsed":
        return "not_a_survey_answer"
    async with unit_of_work():
        survey = await Survey.select_for_update().get_or_none(id=survey_id)
        if survey is None or survey.status != "sent":
            return "survey_closed"  # answered on another channel meanwhile, or expired
        answer = SurveyAnswer(
            resolved=task.answer.get("resolved"),
            satisfaction=task.answer.get("satisfaction"),
            comment=str(task.answer.get("comment") or ""),
        )
        actor = Actor("citizen", f"phone_call:{task.id}")
        if not answer.understood:
            # Keys nobody pressed, words nobody could read: staff decide; the survey stays open
            # for its reminders, and silence still ends as no_response, never as satisfied.
            await TicketEvent.create(
                ticket_id=survey.ticket_id,
                action="survey_call_unclear",
                actor_type="system",
                internal_note=f"survey call {task.id}: digits={task.digits!r} "
                f"heard={task.transcript or ''!r}",
            )
            return "unclear"
        await surveys.record_answer(survey=survey, answer=answer, actor=actor, now=now)
    return "answered"
