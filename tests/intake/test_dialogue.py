"""The dialogue as a citizen experiences it, on any channel."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from intake.config import IntakeConfig
from intake.messages import Location
from intake.models import Conversation, Ticket, TicketEvent
from tests.factories import Chat

pytestmark = []

NUMBER = re.compile(r"FZ\d{14}")


async def test_full_filing_asks_only_for_what_is_missing(db, config: IntakeConfig, now):
    chat = Chat(config, now=now)
    first = await chat.say("小区门口的路灯坏了一个多星期了，晚上很黑，老人出门很危险")
    assert "位置" in first[0]  # a streetlight happens somewhere: ask where
    second = await chat.say("鼓楼区温泉街道五一北路88号")
    assert "手机号码" in second[0]
    third = await chat.say("13800138000")
    assert "请核对" in third[0] and "138****8000" in third[0] and "五一北路88号" in third[0]
    done = await chat.say("确认")
    number = NUMBER.search(done[0])
    assert number, done
    ticket = await Ticket.get(number=number.group(0))
    assert ticket.status == "received"
    assert ticket.category == "urban.streetlight"
    assert ticket.location == "鼓楼区温泉街道五一北路88号"
    assert ticket.contact_phone_tail == "8000"
    assert "13800138000" not in (ticket.contact_phone_encrypted or "")
    assert (await ticket.department).name == "福州市城市管理局"
    # The deadline is counted in working days: help = 3 working days after Fri 2026-11-27.
    assert ticket.due_at is not None
    assert ticket.due_at.date().isoformat() == "2026-12-02"
    assert "2026年12月2日" in done[0]


async def test_place_and_phone_in_first_message_go_straight_to_confirmation(db, config, now):
    chat = Chat(config, now=now)
    replies = await chat.say("投诉湖东路88号楼下烧烤店油烟太大，我的电话13912345678")
    assert "请核对" in replies[0]
    assert "139****5678" in replies[0]


async def test_known_phone_is_offered_on_the_next_filing(db, config, now):
    chat = Chat(config, now=now)
    await chat.say("公司拖欠我三个月工资一直不发，老板也联系不上")
    await chat.say("13800138000")
    await chat.say("确认")
    replies = await chat.say("我想咨询一下公积金怎么提取用来租房")
    assert "请核对" in replies[0] and "138****8000" in replies[0]


async def test_invalid_phone_is_refused_politely(db, config, now):
    chat = Chat(config, now=now)
    await chat.say("公司拖欠我三个月工资一直不发，老板也联系不上")
    replies = await chat.say("12345")
    assert "格式不正确" in replies[0]
    replies = await chat.say("138 0013 8000")
    assert "请核对" in replies[0]


async def test_corrections_at_confirmation(db, config, now):
    chat = Chat(config, now=now)
    await chat.say("投诉湖东路88号楼下烧烤店油烟太大，我的电话13912345678")
    replies = await chat.say("地点 台江区江滨西大道100号")
    assert "台江区江滨西大道100号" in replies[0]
    replies = await chat.say("13800138000")
    assert "138****8000" in replies[0]
    replies = await chat.say("每天晚上六点到十点最严重")
    assert "补充" in replies[0]
    done = await chat.say("确认")
    ticket = await Ticket.get(number=NUMBER.search(done[0]).group(0))  # type: ignore[union-attr]
    assert ticket.location == "台江区江滨西大道100号"
    assert ticket.contact_phone_tail == "8000"
    assert "六点到十点" in ticket.description


async def test_the_citizen_may_correct_the_kind_before_submitting(db, config, now):
    chat = Chat(config, now=now)
    first = await chat.say("鼓楼区五一北路88号的路灯坏了一个星期，电话13800138000")
    assert "类型：求助" in first[0]
    choices = await chat.say("修改类型")  # the confirmation's button
    assert choices == ["请选择您这次诉求的类型："]
    assert await chat.say("类型 不知道") == ["请选择您这次诉求的类型："]  # unknown: asked again
    corrected = await chat.say("类型 投诉")
    assert "类型：投诉" in corrected[0]
    done = await chat.say("确认")
    ticket = await Ticket.get(number=NUMBER.search(done[0]).group(0))  # type: ignore[union-attr]
    assert ticket.kind == "complaint"
    english = Chat(config, sender="citizen-en", now=now, language="en")
    await english.say("The streetlight at 鼓楼区五一北路88号 is broken, phone 13800138001")
    assert "Type: Complaint" in (await english.say("type complaint"))[0]
    # An English supplement that begins like a command word is a supplement.
    replies = await english.say("Placed near the school gate, the light flickers")
    assert "Place: 鼓楼区五一北路88号" in replies[-1] and "school gate" in replies[-1]
    assert "Place: Pine Road 5" in (await english.say("place: Pine Road 5"))[-1]
    assert "Place: 湖东路88号" in (await english.say("address湖东路88号"))[-1]


async def test_shared_location_fills_the_location_slot(db, config, now):
    chat = Chat(config, now=now)
    await chat.say("路边井盖不见了，很危险，赶紧处理")
    replies = await chat.say(location=Location(26.08, 119.30, "鼓楼区五四路"))
    assert "手机号码" in replies[0]


async def test_cancel_and_nothing_to_cancel(db, config, now):
    chat = Chat(config, now=now)
    assert "没有正在填写" in (await chat.say("取消"))[0]
    await chat.say("路边井盖不见了，很危险，赶紧处理")
    assert "已为您取消" in (await chat.say("取消"))[0]
    conversation = await Conversation.get(sender="citizen-1")
    assert conversation.step == "idle" and conversation.slots == {}
    assert await Ticket.all().count() == 0


async def test_emergency_is_answered_at_once_and_recorded(db, config, now):
    chat = Chat(config, now=now)
    replies = await chat.say("楼下着火了，好大的烟，快来人啊")
    assert "119" in replies[0]
    ticket = await Ticket.get()
    assert ticket.status == "transferred" and ticket.scope == "emergency:119"


async def test_out_of_scope_is_declined_with_the_right_channel(db, config, now):
    chat = Chat(config, now=now)
    replies = await chat.say("我和前夫的离婚财产纠纷已经起诉到法院了，想问问判决什么时候出来")
    assert "不属于12345热线的受理范围" in replies[0] and "法院" in replies[0]
    ticket = await Ticket.get()
    assert ticket.status == "rejected" and ticket.scope == "out:litigation"


async def test_lookup_by_number_for_the_owner_only(db, config, now):
    owner = Chat(config, now=now)
    await owner.say("公司拖欠我三个月工资一直不发，老板也联系不上")
    await owner.say("13800138000")
    number = NUMBER.search((await owner.say("确认"))[0]).group(0)  # type: ignore[union-attr]
    mine = await owner.say(f"查询 {number}")
    assert number in mine[0] and "已受理" in mine[0]
    stranger = Chat(config, sender="someone-else", now=now)
    theirs = await stranger.say(f"查询 {number}")
    unknown = await stranger.say("查询 FZ20261127999999")
    assert theirs == unknown  # someone else's ticket looks exactly like an unknown one
    assert "未查询到" in theirs[0]


async def test_my_tickets_lists_own_tickets(db, config, now):
    chat = Chat(config, now=now)
    assert "暂时没有" in (await chat.say("我的工单"))[0]
    await chat.say("公司拖欠我三个月工资一直不发，老板也联系不上")
    await chat.say("13800138000")
    await chat.say("确认")
    listing = (await chat.say("我的工单"))[0]
    assert NUMBER.search(listing) and "欠薪" in listing


async def test_human_handoff_silences_the_bot(db, config, now):
    chat = Chat(config, now=now)
    assert "人工" in (await chat.say("人工"))[0]
    assert await chat.say("有人吗？我要投诉") == []
    conversation = await Conversation.get(sender="citizen-1")
    assert conversation.handoff


async def test_idle_conversation_expires(db, config, now):
    chat = Chat(config, now=now)
    await chat.say("路边井盖不见了，很危险，赶紧处理")
    chat.now = now + timedelta(minutes=config.idle_minutes + 1)
    replies = await chat.say("鼓楼区五四路")
    assert "已自动失效" in replies[0]
    assert await Ticket.all().count() == 0


async def test_repeat_request_is_merged(db, config, now):
    chat = Chat(config, now=now)
    await chat.say("鼓楼区五一北路88号门口路灯坏了好几天了，晚上很黑")
    await chat.say("13800138000")
    first = NUMBER.search((await chat.say("确认"))[0]).group(0)  # type: ignore[union-attr]
    await chat.say("五一北路88号门口的路灯还是坏的，晚上很黑，麻烦尽快修")
    replies = await chat.say("确认")
    assert first in replies[0] and "同一事项" in replies[0]
    repeat = await Ticket.filter(status="merged").get()
    assert (await repeat.merged_into).number == first  # type: ignore[union-attr]
    assert await TicketEvent.filter(ticket__number=first, action="repeat_merged").exists()


async def test_duplicate_message_returns_the_same_reply_and_does_nothing_else(db, config, now):
    from intake.receive import receive
    from tests.factories import message

    chat = Chat(config, now=now)
    await chat.say("公司拖欠我三个月工资一直不发，老板也联系不上")
    await chat.say("13800138000")
    confirm = message("确认", external_id="wx-123")
    first = await receive(confirm, config=config, now=now)
    again = await receive(confirm, config=config, now=now)
    assert again.duplicate and not first.duplicate
    assert [r.text for r in again.replies] == [r.text for r in first.replies]
    assert await Ticket.all().count() == 1


def test_every_catalogue_key_used_in_code_exists():
    import pathlib

    from intake.catalogue import has_text

    root = pathlib.Path(__file__).resolve().parents[2]
    keys = set()
    for path in [*root.glob("intake/*.py"), *root.glob("api/**/*.py")]:
        keys.update(re.findall(r'text\(\s*"([a-z_]+\.[a-z_0-9]+)"', path.read_text()))
    missing = sorted(key for key in keys if not has_text(key))
    assert keys and not missing, missing


async def test_greeting_gets_a_welcome(db, config, now):
    replies = await Chat(config, now=now).say("你好")
    assert "12345" in replies[0]
    assert isinstance(now, datetime)


async def test_concurrent_duplicates_create_one_ticket_and_get_one_answer(db, config, now):
    import asyncio

    from intake.receive import receive
    from tests.factories import message

    chat = Chat(config, now=now)
    await chat.say("公司拖欠我三个月工资一直不发，老板也联系不上")
    await chat.say("13800138000")
    confirm = message("确认", external_id="wx-concurrent")
    results = await asyncio.gather(*(receive(confirm, config=config, now=now) for _ in range(3)))
    assert sorted(r.duplicate for r in results) == [False, True, True]
    assert len({tuple(r.text for r in result.replies) for result in results}) == 1
    assert await Ticket.all().count() == 1


async def test_concurrent_first_messages_of_a_new_sender(db, config, now):
    import asyncio

    from intake.models import Citizen
    from intake.receive import receive
    from tests.factories import message

    texts = ["你好", "在吗", "帮助"]
    results = await asyncio.gather(
        *(receive(message(t, sender="brand-new"), config=config, now=now) for t in texts)
    )
    assert all(result.replies for result in results)
    assert await Conversation.filter(sender="brand-new").count() == 1
    assert await Citizen.all().count() == 1
