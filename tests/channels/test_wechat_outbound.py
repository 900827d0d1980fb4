"""The outbound side against the fake WeChat API: one shared token, refreshed once when refused,
timeouts, error classes a caller can act on, the 48-hour window, templates and their delivery
reports, subscribe messages, and the custom menu."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from channels.models import WechatAccessToken, WechatDelivery, WechatUser
from channels.wechat_oa import errors
from channels.wechat_oa.client import WechatApi
from channels.wechat_oa.config import wechat_config
from channels.wechat_oa.menu import menu
from channels.wechat_oa.outbound import WechatSender
from channels.wechat_oa.token_store import RedisTokenStore
from intake.messages import Button, Reply
from tests.channels.conftest import wechat_settings
from tests.channels.fake_wechat import FakeWechat
from tests.channels.wx import APP_ID, Wechat, cdata, event_xml
from tests.conftest import POSTGRES_URL

OPENID = "oCitizenOut0000000000000001"
CUSTOM = "/cgi-bin/message/custom/send"


@pytest.fixture
async def api(wx_db, wx_settings):
    async with WechatApi(wechat_config(wx_settings)) as client:
        yield client


@pytest.fixture
async def follower(wx_db) -> WechatUser:
    return await WechatUser.create(openid=OPENID, last_interaction_at=datetime.now(UTC))


async def test_one_token_is_shared_by_every_process(wx_settings, wx_db, fake_wechat: FakeWechat):
    config = wechat_config(wx_settings)
    clients = [WechatApi(config) for _ in range(5)]  # as five worker processes would
    try:
        await asyncio.gather(
            *(
                c.send_custom(
                    {"touser": OPENID, "msgtype": "text", "text": {"content": f"第{i}条"}}
                )
                for i, c in enumerate(clients)
            )
        )
    finally:
        for client in clients:
            await client.http.aclose()
    assert len(fake_wechat.token_requests) == 1 and len(fake_wechat.sent) == 5
    assert fake_wechat.token_requests[0]["force_refresh"] is False
    row = await WechatAccessToken.get(app_id=APP_ID)
    assert row.token == "TOKEN-1" and row.expires_at > datetime.now(UTC) + timedelta(hours=1)


async def test_a_refused_token_is_refreshed_once_and_the_call_retried(api, fake_wechat):
    await api.send_custom({"touser": OPENID, "msgtype": "text", "text": {"content": "一"}})
    fake_wechat.invalidate_tokens()  # 40001 on the next call
    await api.send_custom({"touser": OPENID, "msgtype": "text", "text": {"content": "二"}})
    assert [m["text"]["content"] for m in fake_wechat.sent] == ["一", "二"]
    assert len(fake_wechat.token_requests) == 2
    fake_wechat.fail(CUSTOM, times=2, errcode=42001)  # refused again after the refresh
    with pytest.raises(errors.PermanentWechatError) as refused:
        await api.send_custom({"touser": OPENID, "msgtype": "text", "text": {"content": "三"}})
    assert refused.value.code == 42001
    # WeChat kept handing out the refused token: the second try forces a refresh.
    assert [r["force_refresh"] for r in fake_wechat.token_requests[2:]] == [False, True]
    assert len(fake_wechat.sent) == 2


@pytest.mark.parametrize(
    ("fault", "kind", "code"),
    [
        ({"status": 502}, errors.RetriableWechatError, errors.HTTP_STATUS),
        ({"errcode": -1}, errors.RetriableWechatError, -1),
        ({"errcode": 45009}, errors.RetriableWechatError, 45009),
        ({"body": b"<html>proxy error</html>"}, errors.RetriableWechatError, errors.HTTP_STATUS),
        ({"errcode": 45015}, errors.OutsideWindow, 45015),
        ({"errcode": 43004}, errors.Unsubscribed, 43004),
        ({"errcode": 40003}, errors.InvalidRecipient, 40003),
        ({"errcode": 48001}, errors.PermanentWechatError, 48001),
    ],
)
async def test_errors_are_classified(api, fake_wechat, fault, kind, code):
    await api.tokens.token(api.fetch_token)
    fake_wechat.fail(CUSTOM, **fault)
    with pytest.raises(kind) as raised:
        await api.send_custom({"touser": OPENID, "msgtype": "text", "text": {"content": "x"}})
    assert raised.value.code == code
    assert raised.value.retriable is (kind is errors.RetriableWechatError)


async def test_every_call_has_a_timeout(wx_db, settings, fake_wechat):
    impatient = wechat_settings(settings.data_dir, fake_wechat, wechat_api_timeout_seconds=0.3)
    async with WechatApi(wechat_config(impatient)) as api:
        await api.tokens.token(api.fetch_token)
        fake_wechat.fail(CUSTOM, delay=1.5)
        started = asyncio.get_running_loop().time()
        with pytest.raises(errors.RetriableWechatError) as raised:
            await api.send_custom({"touser": OPENID, "msgtype": "text", "text": {"content": "x"}})
        assert raised.value.code == errors.TIMEOUT
        assert asyncio.get_running_loop().time() - started < 1.0


async def test_customer_service_messages_respect_the_48_hour_window(api, follower, fake_wechat):
    sender = WechatSender(api, api.config)
    await sender.send_text(openid=OPENID, content="您的工单已受理。", dedup_key="n:1")
    await sender.send_text(openid=OPENID, content="您的工单已受理。", dedup_key="n:1")  # a retry
    assert fake_wechat.texts_to(OPENID) == ["您的工单已受理。"]
    follower.last_interaction_at = datetime.now(UTC) - timedelta(hours=49)
    await follower.save()
    with pytest.raises(errors.OutsideWindow):
        await sender.send_text(openid=OPENID, content="迟到的消息", dedup_key="n:2")
    follower.subscribed = False
    await follower.save()
    with pytest.raises(errors.Unsubscribed):
        await sender.send_text(openid=OPENID, content="取关后的消息", dedup_key="n:3")
    assert len(fake_wechat.sent) == 1  # refused without asking WeChat
    statuses = {d.dedup_key: d.status for d in await WechatDelivery.all()}
    assert statuses == {"n:1": "sent", "n:2": "failed", "n:3": "blocked"}


async def test_an_unfollow_wechat_reports_is_remembered(api, follower, fake_wechat):
    sender = WechatSender(api, api.config)
    await api.tokens.token(api.fetch_token)
    fake_wechat.fail(CUSTOM, errcode=43004)  # the unsubscribe event never reached us
    with pytest.raises(errors.Unsubscribed):
        await sender.send_text(openid=OPENID, content="您的工单已办结。", dedup_key="u:1")
    # WeChat would now accept a message (the injected fault is spent): asking it again would
    # deliver this one; it is refused here instead.
    with pytest.raises(errors.Unsubscribed):
        await sender.send_text(openid=OPENID, content="回访邀请", dedup_key="u:2")
    assert fake_wechat.texts_to(OPENID) == []
    assert not (await WechatUser.get(openid=OPENID)).subscribed


async def test_a_failed_send_is_sent_by_the_retry_and_only_once(api, follower, fake_wechat):
    sender = WechatSender(api, api.config)
    await api.tokens.token(api.fetch_token)
    fake_wechat.fail(CUSTOM, errcode=-1)
    with pytest.raises(errors.RetriableWechatError):
        await sender.send_text(openid=OPENID, content="系统繁忙后重试", dedup_key="r:1")
    assert (await WechatDelivery.get(dedup_key="r:1")).status == "pending"
    await sender.send_text(openid=OPENID, content="系统繁忙后重试", dedup_key="r:1")
    await sender.send_text(openid=OPENID, content="系统繁忙后重试", dedup_key="r:1")
    assert fake_wechat.texts_to(OPENID) == ["系统繁忙后重试"]


async def test_replies_with_buttons_become_a_menu_and_long_ones_are_split(
    api, follower, fake_wechat
):
    sender = WechatSender(api, api.config)
    confirm = Reply(
        "请核对您的诉求……", buttons=(Button("确认提交", "确认"), Button("取消", "取消"))
    )
    await sender.send_reply(openid=OPENID, reply=confirm, dedup_key="b:1")
    menu_message = fake_wechat.sent[0]
    assert menu_message["msgtype"] == "msgmenu"
    assert [item["content"] for item in menu_message["msgmenu"]["list"]] == ["确认", "取消"]
    long_text = "\n".join(f"第{i}条办理记录：承办单位已到现场核查并处理。" for i in range(120))
    await sender.send_reply(openid=OPENID, reply=Reply(long_text), dedup_key="b:2")
    pieces = [m["text"]["content"] for m in fake_wechat.sent[1:]]
    assert len(pieces) > 1 and all(len(p.encode()) <= 2000 for p in pieces)
    assert "\n".join(pieces) == long_text


async def test_template_notification_and_its_delivery_report(api, wechat: Wechat, fake_wechat):
    sender = WechatSender(api, api.config)
    at = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)
    row = await sender.send_template(
        openid=OPENID,
        event="accepted",
        ticket_number="FZ20261127000001",
        status="已受理",
        at=at,
        dedup_key="t:FZ20261127000001:accepted",
    )
    sent = fake_wechat.templates[0]
    assert sent["template_id"] == "TPL_ACCEPTED"
    assert sent["url"] == "https://hotline.example.gov.cn/progress?number=FZ20261127000001"
    assert sent["data"]["character_string1"]["value"] == "FZ20261127000001"
    assert sent["data"]["time3"]["value"] == "2026年11月27日 10:30"
    assert len(sent["data"]["thing4"]["value"]) <= 20
    assert row.status == "sent" and row.wx_msgid is not None
    report = event_xml(
        OPENID,
        "TEMPLATESENDJOBFINISH",
        f"<MsgID>{row.wx_msgid}</MsgID>",
        cdata("Status", "success"),
    )
    assert wechat.read(await wechat.push(report)) == ""
    assert (await WechatDelivery.get(id=row.id)).status == "delivered"
    blocked = await sender.send_template(
        openid=OPENID,
        event="closed",
        ticket_number="FZ20261127000001",
        status="已办结",
        at=at,
        dedup_key="t:FZ20261127000001:closed",
    )
    report = event_xml(
        OPENID,
        "TEMPLATESENDJOBFINISH",
        f"<MsgID>{blocked.wx_msgid}</MsgID>",
        cdata("Status", "failed:user block"),
    )
    await wechat.push(report)
    assert (await WechatDelivery.get(id=blocked.id)).status == "blocked"
    with pytest.raises(errors.PermanentWechatError):
        await sender.send_template(
            openid=OPENID, event="reopened", ticket_number="X", status="x", at=at, dedup_key="t:x"
        )


async def test_subscribe_message(api, fake_wechat):
    sender = WechatSender(api, api.config)
    await sender.send_subscribe_message(
        openid=OPENID,
        template_id="SUB_TPL",
        page="https://hotline.example.gov.cn/t/1",
        data={
            "character_string1": "FZ20261127000001",
            "thing2": "您反映的路灯问题已处理完毕请查看",
        },
        dedup_key="s:1",
    )
    sent = fake_wechat.subscribes[0]
    assert sent["template_id"] == "SUB_TPL" and sent["page"].endswith("/t/1")
    assert sent["data"]["thing2"]["value"] == "您反映的路灯问题已处理完毕请查看"[:20]


async def test_redis_token_store_shares_one_token(wx_settings, fake_wechat):
    redis = Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        await redis.ping()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    key_app = f"{APP_ID}-{os.getpid()}"
    await redis.delete(f"hotline:wechat:token:{key_app}")
    config = wechat_config(wx_settings)
    apis = [
        WechatApi(
            config, tokens=RedisTokenStore(key_app, Redis.from_url("redis://127.0.0.1:6379/15"))
        )
        for _ in range(4)
    ]
    try:
        tokens = await asyncio.gather(*(a.tokens.token(a.fetch_token) for a in apis))
        assert set(tokens) == {"TOKEN-1"} and len(fake_wechat.token_requests) == 1
        assert 0 < await redis.ttl(f"hotline:wechat:token:{key_app}") <= 7200
    finally:
        for client in apis:
            await client.__aexit__(None, None, None)
        await redis.delete(f"hotline:wechat:token:{key_app}")
        await redis.aclose()


def test_menu_command_prints_and_installs_the_menu(wx_settings, fake_wechat, wx_db):
    env = {
        **os.environ,
        "HOTLINE_DATA_DIR": str(wx_settings.data_dir),
        "HOTLINE_DATABASE_URL": POSTGRES_URL,
        "HOTLINE_WECHAT_ENABLED": "true",
        "HOTLINE_WECHAT_TOKEN": "HotlineTestToken2024",
        "HOTLINE_WECHAT_APP_ID": APP_ID,
        "HOTLINE_WECHAT_APP_SECRET": wx_settings.wechat_app_secret,
        "HOTLINE_WECHAT_API_BASE": fake_wechat.base_url,
    }
    printed = subprocess.run(
        [sys.executable, "-m", "hotline", "wechat", "menu"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert printed.returncode == 0, printed.stderr
    assert "我要反映" in printed.stdout and fake_wechat.menus == []
    applied = subprocess.run(
        [sys.executable, "-m", "hotline", "wechat", "menu", "--apply"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert applied.returncode == 0, applied.stderr
    assert fake_wechat.menus == [menu()]
