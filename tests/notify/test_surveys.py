"""Callback surveys: sent after closure, answered in steps, unhappy answers reopen."""

from __future__ import annotations

from datetime import timedelta

from intake import operations
from intake.filing import FilingForm, file_request
from intake.models import Ticket, TicketEvent
from intake.workflow import Actor
from notify import surveys
from notify.models import Notification, Survey

STAFF = Actor("staff", "1")
CITIZEN = Actor("citizen", "c")
FORM = FilingForm(
    description="鼓楼区五一北路88号门口路灯坏了一个星期，晚上很黑", contact_phone="13800138000"
)


async def _closed_ticket(config, now) -> Ticket:
    number = (
        await file_request(form=FORM, channel="api", idempotency_key=None, config=config, now=now)
    ).number
    await operations.dispatch(number=number, department_code=None, actor=STAFF)
    await operations.accept(number=number, actor=STAFF)
    await operations.reply(number=number, reply_text="已修复。", actor=STAFF)
    await operations.close(number=number, actor=STAFF, now=now)
    return await Ticket.get(number=number)


async def _sent_survey(config, now, settings) -> tuple[Ticket, Survey]:
    ticket = await _closed_ticket(config, now)
    survey = await Survey.get(ticket=ticket)
    assert (await surveys.run_round(settings=settings, now=survey.send_at - timedelta(minutes=1)))[
        "sent"
    ] == 0  # not before the delay
    result = await surveys.run_round(settings=settings, now=survey.send_at)
    assert result["sent"] == 1
    return await Ticket.get(id=ticket.id), await Survey.get(id=survey.id)


async def test_invitation_is_sent_after_the_delay_and_asks_the_first_question(
    db, config, now, notify_settings
):
    ticket, survey = await _sent_survey(config, now, notify_settings)
    assert survey.status == "sent" and ticket.status == "surveyed"
    invitation = await Notification.get(ticket=ticket, purpose="survey")
    assert "是否已经解决" in invitation.text and invitation.buttons


async def test_happy_answers_close_the_loop(db, config, now, notify_settings):
    ticket, survey = await _sent_survey(config, now, notify_settings)
    reply = await surveys.answer(
        survey=survey, reply_text="解决了，非常满意", actor=CITIZEN, now=now
    )
    survey = await Survey.get(id=survey.id)
    assert survey.stage == "comment" and "意见或建议" in reply[0].text
    reply = await surveys.answer(survey=survey, reply_text="无", actor=CITIZEN, now=now)
    assert "感谢您参与回访" in reply[0].text
    survey = await Survey.get(id=survey.id)
    ticket = await Ticket.get(id=ticket.id)
    assert (survey.status, survey.resolved, survey.satisfaction) == (
        "answered",
        True,
        "very_satisfied",
    )
    assert ticket.status == "evaluated" and ticket.satisfaction == "very_satisfied"


async def test_unsolved_and_dissatisfied_reopens_and_alerts_supervisors(
    db, config, now, notify_settings
):
    ticket, survey = await _sent_survey(config, now, notify_settings)
    await surveys.answer(survey=survey, reply_text="否", actor=CITIZEN, now=now)
    survey = await Survey.get(id=survey.id)
    assert survey.stage == "satisfaction"
    await surveys.answer(survey=survey, reply_text="不太满意", actor=CITIZEN, now=now)
    survey = await Survey.get(id=survey.id)
    reply = await surveys.answer(survey=survey, reply_text="路灯还是不亮", actor=CITIZEN, now=now)
    assert "重新交办" in reply[0].text
    ticket = await Ticket.get(id=ticket.id)
    assert ticket.status == "reopened" and ticket.satisfaction == "dissatisfied"
    assert await TicketEvent.filter(ticket=ticket, action="supervisor_alert").exists()
    survey = await Survey.get(id=survey.id)
    assert survey.comment == "路灯还是不亮" and survey.resolved is False


async def test_one_clarifying_question_then_move_on(db, config, now, notify_settings):
    _, survey = await _sent_survey(config, now, notify_settings)
    reply = await surveys.answer(survey=survey, reply_text="你们看着办吧", actor=CITIZEN, now=now)
    assert "没能理解" in reply[0].text
    survey = await Survey.get(id=survey.id)
    reply = await surveys.answer(survey=survey, reply_text="随便", actor=CITIZEN, now=now)
    survey = await Survey.get(id=survey.id)
    assert survey.stage == "satisfaction" and survey.resolved is None
    assert "1 非常满意" in reply[0].text


async def test_reminders_then_no_response_never_counts_as_satisfied(
    db, config, now, notify_settings
):
    ticket, survey = await _sent_survey(config, now, notify_settings)
    assert survey.next_reminder_at is not None and survey.expires_at is not None
    first = await surveys.run_round(settings=notify_settings, now=survey.next_reminder_at)
    survey = await Survey.get(id=survey.id)
    assert survey.next_reminder_at is not None
    second = await surveys.run_round(settings=notify_settings, now=survey.next_reminder_at)
    assert first["reminded"] == second["reminded"] == 1
    assert await Notification.filter(ticket=ticket, purpose="survey_reminder").count() == 2
    survey = await Survey.get(id=survey.id)
    done = await surveys.run_round(settings=notify_settings, now=survey.expires_at)
    survey = await Survey.get(id=survey.id)
    assert done["no_response"] == 1 and survey.status == "no_response"
    assert survey.satisfaction is None
    assert (await Ticket.get(id=ticket.id)).satisfaction is None


async def test_reclosed_ticket_gets_a_new_survey(db, config, now, notify_settings):
    ticket, survey = await _sent_survey(config, now, notify_settings)
    await surveys.answer(
        survey=survey, reply_text="没解决，不满意，还是不亮", actor=CITIZEN, now=now
    )
    number = ticket.number
    await operations.dispatch(number=number, department_code=None, actor=STAFF)
    await operations.accept(number=number, actor=STAFF)
    await operations.reply(number=number, reply_text="已重新更换。", actor=STAFF)
    await operations.close(number=number, actor=STAFF, now=now)
    closures = (
        await Survey.filter(ticket=ticket)
        .order_by("closure_no")
        .values_list("closure_no", flat=True)
    )
    assert closures == [1, 2]


async def test_kpis_count_answers_and_never_count_silence_as_satisfied(
    db, config, now, notify_settings
):
    from datetime import UTC, datetime

    from notify.kpi import compute

    _, happy = await _sent_survey(config, now, notify_settings)
    await surveys.answer(
        survey=happy, reply_text="解决了，满意，谢谢你们的及时处理", actor=CITIZEN, now=now
    )
    _, silent = await _sent_survey(config, now, notify_settings)
    await Survey.filter(id=silent.id).update(status="no_response")
    kpis = await compute(
        since=datetime(2000, 1, 1, tzinfo=UTC), until=datetime(2100, 1, 1, tzinfo=UTC)
    )
    assert (kpis.surveys_sent, kpis.surveys_answered, kpis.no_response) == (2, 1, 1)
    assert kpis.satisfaction_rate == 1.0 and kpis.resolution_rate == 1.0
    assert kpis.response_rate == 0.5 and kpis.closed == 2


async def test_survey_answered_in_the_chat_where_the_request_was_filed(
    db, config, now, notify_settings, fake_senders
):
    from datetime import UTC, datetime

    from notify.delivery import deliver
    from tests.factories import Chat

    chat = Chat(config, channel="telegram", sender="4242", now=now)
    await chat.say("公司拖欠我三个月工资一直不发，老板也联系不上")
    await chat.say("13800138000")
    await chat.say("确认")
    ticket = await Ticket.get()
    number = ticket.number
    await operations.dispatch(number=number, department_code=None, actor=STAFF)
    await operations.accept(number=number, actor=STAFF)
    await operations.reply(number=number, reply_text="已督促企业支付工资。", actor=STAFF)
    await operations.close(number=number, actor=STAFF, now=now)
    survey = await Survey.get(ticket=ticket)
    await surveys.run_round(settings=notify_settings, now=survey.send_at)
    invitation = await Notification.get(ticket=ticket, purpose="survey")
    outcome = await deliver(
        notification_id=invitation.id, settings=notify_settings, now=datetime.now(UTC)
    )
    assert outcome.status == "sent"
    assert fake_senders["telegram"].sent[-1] == ("4242", invitation.text)

    assert "1 非常满意" in (await chat.say("是"))[0]
    assert "意见或建议" in (await chat.say("2"))[0]
    assert "感谢您参与回访" in (await chat.say("无"))[0]
    survey = await Survey.get(id=survey.id)
    assert (survey.status, survey.resolved, survey.satisfaction) == ("answered", True, "satisfied")
    # The survey is over: the next message is a new conversation again.
    assert "请核对" in (await chat.say("投诉湖东路88号楼下饭店油烟太大，熏得没法开窗"))[0]
