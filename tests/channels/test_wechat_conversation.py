"""Whole conversations with the official account, over real HTTP to a uvicorn server, as a
citizen experiences them: in plaintext mode and in safe mode (also during a key rotation)."""

from __future__ import annotations

import re

from channels.models import WechatUser
from channels.wechat_oa import crypto
from intake.models import Conversation, InboundMessage, Ticket
from tests.channels.wx import (
    AES_KEY,
    APP_ID,
    OLD_AES_KEY,
    TOKEN,
    Wechat,
    cdata,
    event_xml,
    push_xml,
    signed_query,
    text_xml,
)

NUMBER = re.compile(r"[A-Z]{2}\d{14}")
OPENID = "oCitizenAlice000000000000001"


async def click(wechat: Wechat, openid: str, key: str) -> str:
    return wechat.read(await wechat.push(event_xml(openid, "CLICK", cdata("EventKey", key))))


async def file_streetlight_request(wechat: Wechat, openid: str) -> str:
    """Report a broken streetlight from the first word to the ticket number."""
    asked = await wechat.say(openid, "小区门口的路灯坏了一个多星期了，晚上很黑，老人出门很危险")
    assert "位置" in asked
    location = push_xml(
        openid,
        "location",
        "<Location_X>26.08</Location_X>",
        "<Location_Y>119.30</Location_Y>",
        "<Scale>15</Scale>",
        cdata("Label", "福州市鼓楼区五四路88号"),
    )
    assert "手机号码" in wechat.read(await wechat.push(location))
    confirmation = await wechat.say(openid, "13800138000")
    assert "请核对" in confirmation and "138****8000" in confirmation
    assert "五四路88号" in confirmation
    done = await wechat.say(openid, "确认")
    number = NUMBER.search(done)
    assert number and "已受理" in done, done
    return number.group(0)


async def test_follow_file_a_request_and_follow_it_up(wechat: Wechat):
    welcome = wechat.read(await wechat.push(event_xml(OPENID, "subscribe")))
    assert "感谢您关注12345" in welcome
    number = await file_streetlight_request(wechat, OPENID)
    ticket = await Ticket.get(number=number)
    assert ticket.channel == "wechat" and ticket.category == "urban.streetlight"
    assert ticket.location == "福州市鼓楼区五四路88号" and ticket.latitude == 26.08
    progress = await wechat.say(OPENID, f"查询 {number}")
    assert number in progress and "已受理" in progress
    assert number in await click(wechat, OPENID, "MENU_MY_TICKETS")
    assert "请回复“查询”加工单号" in await click(wechat, OPENID, "MENU_PROGRESS")
    assert "查询 工单号" in await click(wechat, OPENID, "MENU_HELP")
    assert "请直接用文字或语音描述" in await click(wechat, OPENID, "MENU_REPORT_ISSUE")
    assert "暂未开放" in await click(wechat, OPENID, "MENU_SOMETHING_NEW")
    # Someone else cannot look the ticket up by chat.
    stranger = await wechat.say("oCitizenMallory0000000000001", f"查询 {number}")
    assert "未查询到" in stranger and number not in stranger


async def test_safe_mode_conversation_encrypts_every_answer(server_url: str):
    wechat = Wechat(server_url, safe_mode=True)
    try:
        number = await file_streetlight_request(wechat, OPENID)
        assert number in await wechat.say(OPENID, f"查询 {number}")
        # During a key rotation WeChat may still use the previous EncodingAESKey: accepted,
        # and the answer is encrypted with that same key.
        rotated = Wechat(server_url, safe_mode=True, aes_key=OLD_AES_KEY)
        assert number in await rotated.say(OPENID, "我的工单")
        await rotated.aclose()
    finally:
        await wechat.aclose()


async def test_region_poster_subscription_routes_to_that_city(wechat: Wechat):
    openid = "oCitizenXiamen00000000000001"
    subscribe = event_xml(
        openid,
        "subscribe",
        cdata("EventKey", "qrscene_hotline_poster_07"),
        cdata("Ticket", "gQFAKETICKET"),
    )
    assert "感谢您关注" in wechat.read(await wechat.push(subscribe))
    user = await WechatUser.get(openid=openid)
    assert user.qr_scene == "hotline_poster_07" and user.region_code == "XM"
    number = await file_streetlight_request(wechat, openid)
    assert number.startswith("XM")


async def test_unsubscribe_scan_location_view_and_unknown_types(wechat: Wechat):
    await wechat.say(OPENID, "你好")
    assert wechat.read(await wechat.push(event_xml(OPENID, "unsubscribe"))) == ""
    assert not (await WechatUser.get(openid=OPENID)).subscribed
    scan = event_xml(OPENID, "SCAN", cdata("EventKey", "hotline_poster_07"))
    assert "感谢您关注" in wechat.read(await wechat.push(scan))
    report = event_xml(
        OPENID,
        "LOCATION",
        "<Latitude>26.07</Latitude>",
        "<Longitude>119.29</Longitude>",
        "<Precision>65.0</Precision>",
    )
    assert wechat.read(await wechat.push(report)) == ""
    user = await WechatUser.get(openid=OPENID)
    assert user.subscribed and user.last_latitude == 26.07
    view = event_xml(OPENID, "VIEW", cdata("EventKey", "https://example.org/form"))
    assert wechat.read(await wechat.push(view)) == ""
    video = push_xml(OPENID, "video", cdata("MediaId", "FAKE"), cdata("ThumbMediaId", "T"))
    assert "暂不支持" in wechat.read(await wechat.push(video))
    odd = event_xml(OPENID, "pic_weixin", cdata("EventKey", "x"))
    assert wechat.read(await wechat.push(odd)) == ""


async def test_a_shared_link_starts_a_request(wechat: Wechat):
    link = push_xml(
        OPENID,
        "link",
        cdata("Title", "小区公告"),
        cdata("Description", "关于小区停水三天一直没有恢复供水的情况说明"),
        cdata("Url", "https://example.org/notice/1"),
    )
    answer = wechat.read(await wechat.push(link))
    assert answer  # the dialogue answered; the link's words are the citizen's message
    record = await InboundMessage.get(channel="wechat", sender=OPENID)
    assert "停水" in record.text and "https://example.org/notice/1" in record.text


async def test_human_handoff_then_silence(wechat: Wechat):
    assert "人工" in await wechat.say(OPENID, "转人工")
    assert await wechat.say(OPENID, "有人吗") == ""  # answered with "success": no bot text
    assert (await Conversation.get(channel="wechat", sender=OPENID)).handoff


async def test_compatible_mode_reads_the_encrypted_copy(wechat: Wechat):
    # Compatible mode sends the plaintext fields and their encrypted copy side by side: only
    # the signed, encrypted copy counts, and the answer is encrypted.
    genuine = text_xml(OPENID, "我的工单")
    encrypted = crypto.encrypt(genuine, key=crypto.aes_key(AES_KEY), app_id=APP_ID)
    query = signed_query()
    query.update(
        encrypt_type="aes",
        msg_signature=crypto.sign(TOKEN, query["timestamp"], query["nonce"], encrypted),
    )
    body = text_xml(OPENID, "转人工").replace("</xml>", cdata("Encrypt", encrypted) + "</xml>")
    safe = Wechat(wechat.base_url, safe_mode=True)
    try:
        assert "暂时没有提交过工单" in safe.read(await wechat.post(body, query))
    finally:
        await safe.aclose()
    assert not (await Conversation.get(channel="wechat", sender=OPENID)).handoff
