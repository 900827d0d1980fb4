"""A citizen on an English client (Telegram abroad) is answered in English from filing to the
callback survey, while the ticket's record stays in Chinese for staff."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from intake import operations
from intake.models import Ticket, TicketEvent
from intake.workflow import Actor
from notify import surveys
from notify.delivery import deliver
from notify.models import Notification, Survey
from tests.factories import Chat

STAFF = Actor("staff", "1")
NUMBER = re.compile(r"[A-Z]{2}\d{14}")
CJK = re.compile("[\u4e00-\u9fff]")


def chinese_outside(sentence: str, *allowed: str) -> str:
    """The Chinese left in ``sentence`` once the ``allowed`` names are taken out."""
    for name in allowed:
        sentence = sentence.replace(name, "")
    return "".join(CJK.findall(sentence))


async def test_an_english_citizen_reads_english_from_filing_to_survey(
    db, config, now, notify_settings, fake_senders
):
    emma = Chat(config, channel="telegram", sender="5150001", now=now, language="en-GB")
    await emma.say("My employer has not paid my wages for three months, 公司拖欠工资三个月")
    await emma.say("13800138000")
    confirmation = (await emma.say("place 鼓楼区五一北路88号"))[0]
    assert "Matter: Unpaid wages" in confirmation and "Place: 鼓楼区五一北路88号" in confirmation
    created = (await emma.say("Yes"))[-1]
    assert created.startswith("Your request has been accepted") and "status " in created
    ticket = await Ticket.get()
    assert ticket.language == "en" and ticket.location == "鼓楼区五一北路88号"
    department = (await ticket.department).name  # type: ignore[union-attr]

    await operations.dispatch(number=ticket.number, department_code=None, actor=STAFF)
    await operations.accept(number=ticket.number, actor=STAFF)
    await operations.reply(number=ticket.number, reply_text="已督促企业支付工资。", actor=STAFF)
    await operations.close(number=ticket.number, actor=STAFF, now=now)
    told = {n.purpose: n.text for n in await Notification.filter(ticket=ticket)}
    assert told["dispatched"].startswith(f"[12345] Your ticket {ticket.number} has been passed")
    assert told["replied"].startswith(f"[12345] Your ticket {ticket.number} has a reply")
    assert not chinese_outside(told["dispatched"], department)
    assert not chinese_outside(told["closed"])

    # Staff read the record in Chinese; the citizen reads the same timeline in English.
    notes = [e.public_note for e in await TicketEvent.filter(ticket=ticket).order_by("id")]
    assert notes[0].startswith("诉求已受理") and f"已派发至{department}办理" in notes
    progress = (await emma.say(f"status {ticket.number}"))[0]
    assert f"Assigned to {department}" in progress and "The department has replied" in progress
    assert not chinese_outside(progress, department, "已督促企业支付工资。", "鼓楼区五一北路88号")

    survey = await Survey.get(ticket=ticket)
    await surveys.run_round(settings=notify_settings, now=survey.send_at)
    invitation = await Notification.get(ticket=ticket, purpose="survey")
    assert "“Unpaid wages” problem" in invitation.text and "reply yes or no" in invitation.text
    assert [b["label"] for b in invitation.buttons] == ["Solved", "Not solved"]
    outcome = await deliver(
        notification_id=invitation.id, settings=notify_settings, now=datetime.now(UTC)
    )
    assert outcome.status == "sent"
    assert fake_senders["telegram"].sent[-1] == ("5150001", invitation.text)

    satisfaction = (await emma.say("yes"))[0]
    assert "1 very satisfied" in satisfaction
    assert "Thank you for your rating" in (await emma.say("Not satisfied at all"))[0]
    assert "sent back to be handled again" in (await emma.say("none"))[0]
    survey = await Survey.get(id=survey.id)
    assert (survey.resolved, survey.satisfaction) == (True, "very_dissatisfied")
    assert (await Ticket.get(id=ticket.id)).status == "reopened"


async def test_english_command_words(db, config, now):
    liam = Chat(config, channel="telegram", sender="5150002", now=now, language="en")
    assert "list the tickets you have filed" in (await liam.say("Help"))[0]
    assert (await liam.say("my tickets"))[0] == "You have not filed any tickets yet."
    await liam.say("The streetlight outside 鼓楼区五一北路88号 has been broken for a week")
    assert (await liam.say("Cancel"))[0].startswith("Your request has been cancelled")
    assert "status followed by the ticket number" in (await liam.say("status"))[0]
    assert "could not find this ticket" in (await liam.say("status FZ20261127999999"))[0]
