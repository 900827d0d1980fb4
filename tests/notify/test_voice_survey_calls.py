"""Callback surveys by phone: the survey of a closed ticket becomes a call task the call-centre
platform pulls over HTTP, and the keys pressed or the words spoken on that call are recorded as
the survey's answer the same way a chat answer is (unhappy answers reopen and alert)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import httpx

from channels import voice_survey
from hotline.settings import Settings
from intake import operations
from intake.config import intake_config
from intake.filing import FilingForm, file_request
from intake.models import Ticket, TicketEvent
from intake.workflow import Actor
from notify import delivery, surveys, voice_surveys
from notify.models import Notification, Survey
from tests.inprocess import take_queued
from tests.voice.conftest import Platform, Speech

STAFF = Actor("staff", "1")
PHONE = "13800138000"
FORM = FilingForm(
    description="鼓楼区五一北路88号门口路灯坏了一个星期，晚上很黑", contact_phone=PHONE
)


async def _surveyed_ticket(settings: Settings, channel: str) -> tuple[Ticket, Survey]:
    """A ticket filed on ``channel``, handled and closed, its survey invitation delivered."""
    now = datetime.now(UTC)
    config = intake_config(settings)
    number = (
        await file_request(form=FORM, channel=channel, idempotency_key=None, config=config, now=now)
    ).number
    await operations.dispatch(number=number, department_code=None, actor=STAFF)
    await operations.accept(number=number, actor=STAFF)
    await operations.reply(number=number, reply_text="已更换路灯。", actor=STAFF)
    await operations.close(number=number, actor=STAFF, now=now)
    survey = await Survey.get(ticket__number=number)
    assert (await surveys.run_round(settings=settings, now=survey.send_at))["sent"] == 1
    invitation = await Notification.get(survey=survey, purpose="survey")
    outcome = await delivery.deliver(notification_id=invitation.id, settings=settings, now=now)
    assert outcome.status == "sent"
    assert (await Notification.get(id=invitation.id)).channel == "phone_call"
    return await Ticket.get(number=number), survey


async def _poll(platform: Platform) -> dict[str, Any]:
    listed = await platform.request("GET", "/channels/voice/call-tasks")
    assert listed.status_code == 200, listed.text
    [task] = listed.json()
    return dict(task)


async def test_a_closed_phone_ticket_is_surveyed_by_a_call_and_keyed_discontent_reopens_it(
    platform: Platform, http: httpx.AsyncClient, voice_settings: Settings
):
    ticket, survey = await _surveyed_ticket(voice_settings, channel="phone")
    # Status news of a phone ticket still goes by SMS: only surveys become calls.
    closed = await Notification.get(ticket=ticket, purpose="closed")
    await delivery.deliver(
        notification_id=closed.id, settings=voice_settings, now=datetime.now(UTC)
    )
    assert (await Notification.get(id=closed.id)).channel == "sms"

    task = await _poll(platform)
    assert task["phone"] == PHONE and task["purpose"] == "survey"
    prompt = await http.get(str(task["prompt_url"]).removeprefix("https://hotline.example.gov.cn"))
    assert prompt.status_code == 200 and prompt.headers["content-type"] == "audio/wav"

    answered = await platform.request(
        "POST",
        str(task["result_url"]).removeprefix("https://hotline.example.gov.cn"),
        data={"outcome": "answered", "digits": "13"},  # solved, but 不满意
    )
    assert answered.status_code == 200, answered.text
    [(name, kwargs)] = take_queued(voice_settings)
    assert name == voice_surveys.ANSWER_TASK
    taken = await voice_surveys.take_call_answer(
        call_task_id=kwargs["call_task_id"], now=datetime.now(UTC)
    )

    assert taken == "answered"
    survey = await Survey.get(id=survey.id)
    assert (survey.status, survey.resolved, survey.satisfaction) == (
        "answered",
        True,
        "dissatisfied",
    )
    assert (await Ticket.get(id=ticket.id)).status == "reopened"
    assert await TicketEvent.exists(ticket=ticket, action="supervisor_alert")
    # The platform posting the same result again changes nothing.
    again = await voice_surveys.take_call_answer(
        call_task_id=kwargs["call_task_id"], now=datetime.now(UTC)
    )
    assert again == "survey_closed"


async def test_a_citizen_no_chat_reaches_answers_the_call_by_voice(
    platform: Platform, speech: Speech, voice_settings: Settings, scripted
):
    ticket, survey = await _surveyed_ticket(voice_settings, channel="api")
    task = await _poll(platform)
    posted = await platform.request(
        "POST",
        f"/channels/voice/call-tasks/{task['id']}/result",
        data={"outcome": "answered"},
        files={"recording": ("a.amr", io.BytesIO(speech("没解决，路灯还是不亮", "amr")))},
    )
    assert posted.status_code == 202, posted.text
    [(name, kwargs)] = take_queued(voice_settings)
    assert name == "voice.transcribe_call_answer"
    engine = scripted("没解决，路灯还是不亮")  # the words; the espeak audio is really decoded
    row = await voice_survey.transcribe_answer(
        task_id=kwargs["call_task_id"], settings=voice_settings
    )
    assert engine.heard and row.on_result == voice_surveys.ANSWER_TASK

    await voice_surveys.take_call_answer(call_task_id=row.id, now=datetime.now(UTC))

    survey = await Survey.get(id=survey.id)
    assert survey.status == "answered" and survey.resolved is False
    assert "路灯还是不亮" in survey.comment
    assert (await Ticket.get(id=ticket.id)).status == "reopened"
    assert await TicketEvent.exists(ticket=ticket, action="supervisor_alert")


async def test_a_call_nobody_answered_clearly_leaves_the_survey_open_for_staff(
    platform: Platform, voice_settings: Settings
):
    ticket, survey = await _surveyed_ticket(voice_settings, channel="phone")
    task = await _poll(platform)
    await platform.request(
        "POST", f"/channels/voice/call-tasks/{task['id']}/result", data={"digits": "*#"}
    )

    taken = await voice_surveys.take_call_answer(call_task_id=task["id"], now=datetime.now(UTC))

    assert taken == "unclear"
    assert (await Survey.get(id=survey.id)).status == "sent"
    assert (await Ticket.get(id=ticket.id)).status == "surveyed"
    assert await TicketEvent.exists(ticket=ticket, action="survey_call_unclear")
