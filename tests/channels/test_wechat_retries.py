"""WeChat repeats a push it got no answer to within 5 seconds (three times), sometimes while the
first is still being handled: a repeat gets the same answer and creates nothing new. A turn that
cannot be answered within the budget is answered later by customer-service message."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from api.app import create_app
from channels.models import WechatMedia, WechatUser
from channels.wechat_oa import inbound, render
from channels.wechat_oa.transcribe import NoTranscriber
from intake.models import Conversation, InboundMessage, Ticket
from tests.channels.conftest import JobRunner, wechat_settings
from tests.channels.fake_wechat import FakeWechat
from tests.channels.wx import Wechat, cdata, event_xml, push_xml, text_xml
from tests.inprocess import serve

NUMBER = re.compile(r"[A-Z]{2}\d{14}")
OPENID = "oCitizenRetry000000000000001"
DESCRIPTION = "投诉湖东路88号楼下烧烤店油烟太大，我的电话13912345678"


@pytest.mark.parametrize("safe_mode", [False, True])
async def test_concurrent_retries_file_one_ticket_and_get_one_answer(
    server_url: str, safe_mode: bool
):
    wechat = Wechat(server_url, safe_mode=safe_mode)
    try:
        first = text_xml(OPENID, DESCRIPTION, msg_id=900001)
        answers = await asyncio.gather(*(wechat.push(first) for _ in range(3)))
        texts = {wechat.read(answer) for answer in answers}
        assert len(texts) == 1 and "请核对" in texts.pop()
        confirm = text_xml(OPENID, "确认", msg_id=900002)
        answers = await asyncio.gather(*(wechat.push(confirm) for _ in range(3)))
        texts = {wechat.read(answer) for answer in answers}
        assert len(texts) == 1
        number = NUMBER.search(texts.pop())
        assert number is not None
        # A late, sequential retry still gets that answer.
        assert number.group(0) in wechat.read(await wechat.push(confirm))
        assert await Ticket.all().count() == 1
        assert await InboundMessage.filter(channel="wechat").count() == 2
    finally:
        await wechat.aclose()


async def test_event_retries_are_answered_alike(wechat: Wechat):
    click = event_xml(OPENID, "CLICK", cdata("EventKey", "MENU_HELP"), create_time=1764200000)
    answers = await asyncio.gather(*(wechat.push(click) for _ in range(3)))
    assert len({wechat.read(a) for a in answers}) == 1
    assert await InboundMessage.filter(channel="wechat").count() == 1
    subscribe = event_xml(OPENID, "subscribe", create_time=1764200001)
    answers = await asyncio.gather(*(wechat.push(subscribe) for _ in range(3)))
    assert {wechat.read(a) for a in answers} == {wechat.read(answers[0])}
    assert await WechatUser.filter(openid=OPENID).count() == 1


async def test_many_citizens_at_once_are_all_answered_within_the_budget(wechat: Wechat):
    async def citizen(index: int) -> float:
        begin = time.monotonic()
        answer = await wechat.say(f"oCitizenCrowd{index:015d}", DESCRIPTION)
        assert "请核对" in answer
        return time.monotonic() - begin

    latencies = await asyncio.gather(*(citizen(i) for i in range(30)))
    assert max(latencies) < 5.0, latencies
    assert await Conversation.filter(channel="wechat").count() == 30


async def test_a_turn_over_budget_is_answered_by_customer_service(
    wx_db, settings, fake_wechat: FakeWechat, run_jobs: JobRunner, monkeypatch
):
    slow = wechat_settings(settings.data_dir, fake_wechat, wechat_reply_budget_seconds=0.2)
    real_receive = inbound.receive

    async def slow_receive(*args, **kwargs):  # a database under heavy load
        await asyncio.sleep(0.5)
        return await real_receive(*args, **kwargs)

    monkeypatch.setattr(inbound, "receive", slow_receive)
    url, stop = await serve(create_app(slow, manage_db=False))
    wechat = Wechat(url)
    try:
        push = text_xml(OPENID, DESCRIPTION)
        response = await wechat.push(push)
        assert response.text == "success"  # WeChat shows nothing and does not retry
        while inbound._running:  # the turn finishes in the background of the webhook
            await asyncio.sleep(0.05)
        monkeypatch.setattr(inbound, "receive", real_receive)
        assert await run_jobs() == ["wechat.reply_later"]
        texts = fake_wechat.texts_to(OPENID)
        assert len(texts) == 1 and "请核对" in texts[0]
        assert await InboundMessage.filter(channel="wechat").count() == 1
        await run_jobs()  # nothing left; and sending again would not repeat the message
        assert len(fake_wechat.texts_to(OPENID)) == 1
    finally:
        await wechat.aclose()
        await stop()


async def test_a_reply_too_long_for_a_passive_answer_goes_by_customer_service(
    wechat: Wechat, fake_wechat: FakeWechat, run_jobs: JobRunner, monkeypatch
):
    monkeypatch.setattr(render, "MAX_TEXT_BYTES", 60)  # stands for WeChat's 2048-byte limit
    help_text = await wechat.say(OPENID, "帮助")
    assert help_text == ""  # "success": nothing passive
    assert await run_jobs() == ["wechat.reply_later"]
    texts = fake_wechat.texts_to(OPENID)
    assert len(texts) == 1 and "查询 工单号" in texts[0]


async def test_concurrent_retries_of_media_messages_record_them_once(
    wechat: Wechat, fake_wechat: FakeWechat, run_jobs: JobRunner
):
    fake_wechat.media["RETRY-PHOTO"] = (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")
    photo = push_xml(OPENID, "image", cdata("MediaId", "RETRY-PHOTO"), msg_id=910001)
    voice = push_xml(
        OPENID, "voice", cdata("MediaId", "RETRY-VOICE"), cdata("Format", "amr"), msg_id=910002
    )
    for push in (photo, voice):
        answers = await asyncio.gather(*(wechat.push(push) for _ in range(3)))
        assert len({wechat.read(a) for a in answers}) == 1
    assert await WechatMedia.all().count() == 2
    await run_jobs(NoTranscriber())
    assert fake_wechat.media_requests.count("RETRY-PHOTO") == 1
    assert len(fake_wechat.texts_to(OPENID)) == 1  # the voice answered once
