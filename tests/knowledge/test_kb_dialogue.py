"""Instant answers in the conversation, as a citizen experiences them on any channel."""

from __future__ import annotations

import re
from datetime import timedelta

from intake.knowledge import service
from intake.knowledge.entries import KnowledgeEntry
from intake.models import Conversation, Ticket, TicketEvent
from notify import kpi
from tests.factories import Chat

NUMBER = re.compile(r"FZ\d{14}")
LOST_CARD = "请问社保卡丢了怎么补办？需要带什么材料？"
MIDDLING = "社保卡可以用来坐地铁吗"  # close to three items, confidently none of them


async def _step() -> str:
    return (await Conversation.get(sender="citizen-1")).step


async def test_a_confident_answer_then_yes_is_recorded_as_answered_instantly(kb, config, now):
    chat = Chat(config, now=now)
    answer, question = await chat.say(LOST_CARD)
    assert "【社保卡丢了怎么补办？】" in answer and "12333" in answer and "为准" in answer
    assert "这个回答解决您的问题了吗？" in question
    assert await _step() == "await_answer_feedback"
    assert await Ticket.all().count() == 0  # nothing recorded until the citizen says

    done = await chat.say("解决了")
    number = NUMBER.search(done[0])
    assert number and "很高兴为您解答" in done[0]
    ticket = await Ticket.get(number=number.group(0)).prefetch_related("citizen")
    assert ticket.status == "answered_instantly" and ticket.kind == "consult"
    assert ticket.category == "hr.social_insurance" and ticket.description == LOST_CARD
    assert ticket.closed_at is not None and "12333" in ticket.reply_text
    assert ticket.citizen is not None
    events = await TicketEvent.filter(ticket=ticket).order_by("id")
    assert [e.action for e in events] == ["receive", "answer_instantly"]
    assert events[1].internal_note == "knowledge hr-sscard-replace v1"
    assert await _step() == "idle"
    assert "已即时解答" in (await chat.say("我的工单"))[0]
    figures = await kpi.compute(since=now - timedelta(days=1), until=now + timedelta(days=1))
    assert figures.consultations == 1 and figures.answered_instantly == 1


async def test_no_goes_on_filing_with_the_question_already_captured(kb, config, now):
    chat = Chat(config, now=now)
    await chat.say(LOST_CARD)
    replies = await chat.say("没解决")
    assert "继续为您登记" in replies[0] and "手机号码" in replies[1]
    assert "请核对" in (await chat.say("13800138000"))[0]
    done = await chat.say("确认")
    ticket = await Ticket.get(number=NUMBER.search(done[0]).group(0))  # type: ignore[union-attr]
    assert ticket.status == "received" and ticket.description == LOST_CARD
    assert ticket.kind == "consult"


async def test_a_middling_match_offers_choices(kb, config, now):
    chat = Chat(config, now=now)
    result = await chat.say(MIDDLING)
    assert result[0].startswith("您是不是想问") and "1. " in result[0] and "0" in result[0]
    assert await _step() == "await_choice"
    assert "回复问题前的序号" in (await chat.say("嗯？"))[0]
    answer, question = await chat.say("1")
    assert answer.startswith("【") and "解决您的问题" in question
    assert await _step() == "await_answer_feedback"


async def test_none_of_the_choices_goes_on_filing(kb, config, now):
    chat = Chat(config, now=now)
    await chat.say(MIDDLING)
    replies = await chat.say("都不是")
    assert "继续为您登记" in replies[0] and "手机号码" in replies[1]


async def test_choices_carry_buttons(kb, config, now):
    from intake.receive import receive
    from tests.factories import message

    result = await receive(message(MIDDLING), config=config, now=now)
    buttons = result.replies[0].buttons
    replies = [b.reply for b in buttons]
    assert replies[0] == "1" and replies[-1] == "0"
    assert all(b.label for b in buttons)


async def test_a_choice_retired_meanwhile_is_not_shown(kb, config, now):
    chat = Chat(config, now=now)
    first_choice = (await chat.say(MIDDLING))[0].splitlines()[1]
    hits = [
        i for i in await service.list_items(now=now, limit=200) if i.questions[0] in first_choice
    ]
    await service.retire_item(code=hits[0].code, editor="staff:1")
    replies = await chat.say("1")
    assert "已更新或停用" in replies[0] and "手机号码" in replies[1]


async def test_a_new_question_instead_of_feedback_starts_over(kb, config, now):
    chat = Chat(config, now=now)
    await chat.say(LOST_CARD)
    answer, _ = await chat.say("请问驾照快到期了怎么换证")
    assert "交管12123" in answer
    assert "请回复“1”" in (await chat.say("啥"))[0]
    assert "已为您取消" in (await chat.say("取消"))[0]  # commands still work
    assert await Ticket.all().count() == 0


async def test_complaints_and_help_requests_are_never_answered_away(kb, config, now):
    chat = Chat(config, now=now)
    replies = await chat.say("健身房突然关门跑路了，我办的年卡还有八个月，钱退不回来。")
    assert not any("解决您的问题" in r or "您是不是想问" in r for r in replies)
    assert await _step() not in ("await_answer_feedback", "await_choice")
    other = Chat(config, sender="citizen-2", now=now)
    replies = await other.say("公司拖欠我三个月工资一直不发，老板也联系不上，怎么办？")
    assert not any("解决您的问题" in r for r in replies)


async def test_expired_answers_are_never_served(empty_kb, config, now):
    await service.create_item(
        entry=KnowledgeEntry(
            code="old-rule",
            questions=["社保卡丢了怎么补办"],
            answer="旧政策：请到社保中心补办，以当地最新政策为准。",
            category="hr.social_insurance",
            valid_to=(now - timedelta(days=1)).date(),
        ),
        editor="staff:1",
    )
    replies = await Chat(config, now=now).say(LOST_CARD)
    assert not any("旧政策" in r for r in replies)
    assert await _step() == "await_phone"
