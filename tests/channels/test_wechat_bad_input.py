"""Whatever a client sends, the webhook refuses quickly and changes nothing: forged or stale
signatures get 403, malformed, entity-declaring or oversized bodies get 400, never a 500."""

from __future__ import annotations

import random
import time

import httpx
import pytest

from api.app import create_app
from channels.models import WechatMedia, WechatUser
from channels.wechat_oa import crypto
from intake.models import Conversation, InboundMessage
from tests.channels.conftest import wechat_settings
from tests.channels.wx import AES_KEY, APP_ID, GH_ID, TOKEN, Wechat, cdata, signed_query, text_xml
from tests.inprocess import serve

OPENID = "oCitizenBad00000000000000001"
HEAD = cdata("ToUserName", GH_ID) + cdata("FromUserName", OPENID) + "<CreateTime>1</CreateTime>"
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol4;</Content><MsgId>1</MsgId></xml>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&e;</Content><MsgId>1</MsgId></xml>"""


async def assert_nothing_stored() -> None:
    assert await InboundMessage.all().count() == 0
    assert await WechatUser.all().count() == 0
    assert await Conversation.all().count() == 0
    assert await WechatMedia.all().count() == 0


async def test_forged_or_stale_signatures_are_refused_and_store_nothing(wechat: Wechat):
    body = text_xml(OPENID, "路灯坏了一个多星期了，晚上很黑")
    good = signed_query()
    cases = [
        {},
        {**good, "signature": "0" * 40},
        {**good, "signature": good["signature"].upper()},
        {**good, "nonce": good["nonce"] + "1"},
        signed_query("AnotherToken"),
        signed_query(timestamp=int(time.time()) - 3600),  # replayed an hour later
        signed_query(timestamp=int(time.time()) + 3600),
        {**good, "timestamp": "soon"},
        {**good, "signature": "非ASCII签名"},
    ]
    for query in cases:
        response = await wechat.post(body, query)
        assert response.status_code == 403, (query, response.text)
        assert response.json()["error"]["code"] == "forbidden"
    forged_get = await wechat.http.get(
        f"{wechat.base_url}/channels/wechat", params={**signed_query("x"), "echostr": "echo-4242"}
    )
    assert forged_get.status_code == 403 and "echo-4242" not in forged_get.text
    await assert_nothing_stored()


async def test_safe_mode_forgeries_are_refused(wechat: Wechat):
    xml = text_xml(OPENID, "路灯坏了一个多星期了，晚上很黑")

    async def post_encrypted(key: str, app_id: str, *, sign_with: str = TOKEN) -> int:
        query = signed_query()
        encrypted = crypto.encrypt(xml, key=crypto.aes_key(key), app_id=app_id)
        query.update(
            encrypt_type="aes",
            msg_signature=crypto.sign(sign_with, query["timestamp"], query["nonce"], encrypted),
        )
        body = f"<xml>{cdata('ToUserName', GH_ID)}{cdata('Encrypt', encrypted)}</xml>"
        return (await wechat.post(body, query)).status_code

    stranger_key = "A" * 42 + "E"
    assert await post_encrypted(stranger_key, APP_ID) == 403  # a key we never had
    assert await post_encrypted(AES_KEY, "wxsomeoneelse0000") == 403  # for another app
    assert await post_encrypted(AES_KEY, APP_ID, sign_with="AnotherToken") == 403
    query = {**signed_query(), "encrypt_type": "aes", "msg_signature": "0" * 40}
    assert (await wechat.post(f"<xml>{cdata('Encrypt', 'AAAA')}</xml>", query)).status_code == 403
    query = {**signed_query(), "encrypt_type": "aes"}
    assert (await wechat.post("<xml><ToUserName>x</ToUserName></xml>", query)).status_code == 400
    query = {**signed_query(), "encrypt_type": "rot13"}
    assert (await wechat.post(xml, query)).status_code == 400
    await assert_nothing_stored()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<xml><ToUserName>gh",
        b"<html><body>hi</body></html>",
        BILLION_LAUGHS.encode(),
        EXTERNAL_ENTITY.encode(),
        b"\xff\xfe<\x00x\x00m\x00l\x00>\x00",
        b"<xml><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>",
        text_xml(OPENID, "hi").replace("<CreateTime>", "<CreateTime>x").encode(),
        text_xml(OPENID, "hi").replace("<MsgId>", "<MsgId>-").encode(),
        text_xml(OPENID, "hi", create_time=10**20).encode(),
        text_xml(OPENID, "hi", msg_id=2**64).encode(),
        text_xml(OPENID, "hi").replace("<MsgId>", "<MsgId>１２").encode(),
        "<xml>" + "<a>1</a>" * 100 + "</xml>",
        f"<xml>{HEAD}{cdata('MsgType', 'location')}<Location_X>north</Location_X>"
        "<MsgId>5</MsgId></xml>",
        f"<xml>{HEAD}{cdata('MsgType', 'location')}<Location_X>nan</Location_X>"
        "<Location_Y>1</Location_Y><MsgId>5</MsgId></xml>",
    ],
)
async def test_malformed_bodies_are_400_quickly(wechat: Wechat, body: bytes | str):
    started = time.monotonic()
    response = await wechat.post(body)
    assert response.status_code == 400, response.text
    assert time.monotonic() - started < 2.0  # an expanded entity bomb would take far longer
    await assert_nothing_stored()


async def test_oversized_bodies_are_refused_before_reading_them_all(wechat: Wechat):
    padding = "很" * 30_000  # ~90 KB of UTF-8, over the 64 KB limit
    response = await wechat.post(text_xml(OPENID, padding))
    assert response.status_code == 400

    async def chunks():  # no Content-Length: counted while streaming
        for _ in range(100):
            yield b"<a>" + b"x" * 1000 + b"</a>"

    response = await wechat.http.post(
        f"{wechat.base_url}/channels/wechat", content=chunks(), params=signed_query()
    )
    assert response.status_code == 400
    await assert_nothing_stored()


async def test_random_garbage_never_causes_a_server_error(wechat: Wechat):
    rng = random.Random(12345)
    valid = text_xml(OPENID, "路灯坏了一个多星期了，晚上很黑", msg_id=1).encode()
    for _ in range(100):
        body = bytearray(valid)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(body))
            choice = rng.random()
            if choice < 0.4:
                body[position] = rng.randrange(256)
            elif choice < 0.7:
                del body[position : position + rng.randint(1, 20)]
            else:
                body[position:position] = rng.choice([b"<", b">", b"&", b"]]>", b"\x00", b"&#0;"])
        query = signed_query()
        if rng.random() < 0.2:
            query[rng.choice(list(query))] = rng.choice(["", "\u0000", "x" * 600, "-1", "１２"])
        response = await wechat.post(bytes(body), query)
        assert response.status_code in (200, 400, 403), (bytes(body), response.text)


async def test_the_channel_is_off_unless_enabled(wx_db, settings, fake_wechat):
    off = wechat_settings(settings.data_dir, fake_wechat, wechat_enabled=False)
    url, stop = await serve(create_app(off, manage_db=False))
    try:
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{url}/channels/wechat", params=signed_query(), content=text_xml(OPENID, "你好")
            )
        assert response.status_code == 404
    finally:
        await stop()
