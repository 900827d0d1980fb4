"""Mini-program subscribe messages: a citizen signed in on the mini-program allows a template,
files over HTTP, and hears of the ticket's progress by subscribe message (through the fake
WeChat API, which refuses over-long values as WeChat does). Without a grant, or when WeChat
says the user allows none, the same notification goes by SMS at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from hotline.settings import Settings
from intake import operations
from intake.workflow import Actor
from notify import delivery
from notify.models import Notification
from tests.channels.fake_wechat import FakeWechat
from tests.mobile.conftest import new_phone, sign_in_mp
from tests.mobile.fakes import FakeAliyunSms

STAFF = Actor("staff", "1")
SUBSCRIBE = "/cgi-bin/message/subscribe/send"
GRANTS = "/api/v1/notifications/subscriptions"
LONG_REPLY = "经现场核查，鼓楼区五一北路88号路灯线路老化，已于11月28日更换线路并恢复照明。"


@pytest.fixture
def fake_wechat() -> Iterator[FakeWechat]:
    """WeChat as the mini-program sees it: code2Session, tokens and subscribe messages."""
    fake = FakeWechat(app_id="wxminiprogram0001", secret="miniprogram-secret-0123456789abcdef")
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def overrides() -> dict[str, object]:
    return {
        "miniprogram_template_accepted": "TPL_ACCEPTED",
        "miniprogram_template_dispatched": "TPL_PROGRESS",
        "miniprogram_template_replied": "TPL_REPLIED",
        "miniprogram_state": "trial",
        "sms_notice_template_code": "SMS_NOTICE",
        "quiet_hours": "off",
    }


async def _file(client: httpx.AsyncClient, auth: dict[str, str], phone: str) -> str:
    response = await client.post(
        "/api/v1/me/tickets",
        headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
        json={
            "description": "鼓楼区五一北路88号小区门口的路灯坏了一个多星期，晚上很黑",
            "location": "鼓楼区五一北路88号",
            "contact_phone": phone,
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


async def _allow(client: httpx.AsyncClient, auth: dict[str, str], template_id: str) -> None:
    answer = await client.post(GRANTS, headers=auth, json={"results": {template_id: "accept"}})
    assert answer.status_code == 200, answer.text


async def _remaining(client: httpx.AsyncClient, auth: dict[str, str], template_id: str) -> int:
    """What the citizen has left of a template ("reject" changes nothing and tells it)."""
    answer = await client.post(GRANTS, headers=auth, json={"results": {template_id: "reject"}})
    return int(answer.json()[0]["remaining"])


async def _deliver(purpose: str, settings: Settings) -> tuple[Notification, str]:
    notification = await Notification.filter(purpose=purpose).order_by("-id").first()
    assert notification is not None, f"no {purpose} notification was written"
    outcome = await delivery.deliver(
        notification_id=notification.id, settings=settings, now=datetime.now(UTC)
    )
    return await Notification.get(id=notification.id), outcome.status


def _notices(sms: FakeAliyunSms, phone: str) -> list[str]:
    return [
        params["TemplateParam"]
        for params in sms.sent
        if params.get("TemplateCode") == "SMS_NOTICE" and params.get("PhoneNumbers") == phone
    ]


async def test_granted_template_goes_by_subscribe_message_to_the_ticket_page(
    client: httpx.AsyncClient, fake_wechat: FakeWechat, fake_sms: FakeAliyunSms, settings: Settings
):
    auth = await sign_in_mp(client, fake_wechat, "oMP-granted")  # type: ignore[arg-type]
    await _allow(client, auth, "TPL_ACCEPTED")
    phone = new_phone()
    number = await _file(client, auth, phone)

    notification, status = await _deliver("accepted", settings)

    assert status == "sent" and notification.channel == "miniprogram"
    [message] = fake_wechat.miniprogram_subscribes
    assert message["touser"] == "oMP-granted" and message["template_id"] == "TPL_ACCEPTED"
    assert message["page"] == f"pages/ticket/detail?number={number}"
    assert message["miniprogram_state"] == "trial"
    assert message["data"]["character_string1"]["value"] == number
    assert message["data"]["phrase2"]["value"] == "已受理"
    assert await _remaining(client, auth, "TPL_ACCEPTED") == 0  # one accept, one message
    assert _notices(fake_sms, phone) == []


async def test_without_a_grant_the_notification_goes_by_sms_at_once(
    client: httpx.AsyncClient, fake_wechat: FakeWechat, fake_sms: FakeAliyunSms, settings: Settings
):
    auth = await sign_in_mp(client, fake_wechat, "oMP-no-grant")  # type: ignore[arg-type]
    phone = new_phone()
    number = await _file(client, auth, phone)
    await operations.dispatch(number=number, department_code=None, actor=STAFF)

    notification, status = await _deliver("dispatched", settings)

    assert status == "sent" and notification.channel == "sms"
    assert [t["channel"] for t in notification.tried] == ["miniprogram"]
    assert fake_wechat.miniprogram_subscribes == []
    [notice] = _notices(fake_sms, phone)
    assert number in notice


async def test_a_grant_wechat_refuses_falls_back_to_sms_and_is_forgotten(
    client: httpx.AsyncClient, fake_wechat: FakeWechat, fake_sms: FakeAliyunSms, settings: Settings
):
    auth = await sign_in_mp(client, fake_wechat, "oMP-refused")  # type: ignore[arg-type]
    phone = new_phone()
    number = await _file(client, auth, phone)
    await _allow(client, auth, "TPL_PROGRESS")
    await _allow(client, auth, "TPL_PROGRESS")
    fake_wechat.fail(SUBSCRIBE, errcode=43101)  # the user turned the template off in WeChat
    await operations.dispatch(number=number, department_code=None, actor=STAFF)

    notification, status = await _deliver("dispatched", settings)

    assert status == "sent" and notification.channel == "sms"
    assert "43101" in notification.tried[0]["error"] and notification.tried[0]["permanent"]
    assert len(_notices(fake_sms, phone)) == 1
    # Our count was out of date: the second accept is not spent on another refusal.
    assert await _remaining(client, auth, "TPL_PROGRESS") == 0


async def test_a_busy_wechat_is_retried_on_the_same_grant_with_the_reply_cut_to_fit(
    client: httpx.AsyncClient, fake_wechat: FakeWechat, fake_sms: FakeAliyunSms, settings: Settings
):
    auth = await sign_in_mp(client, fake_wechat, "oMP-busy")  # type: ignore[arg-type]
    phone = new_phone()
    number = await _file(client, auth, phone)
    await operations.dispatch(number=number, department_code=None, actor=STAFF)
    await operations.accept(number=number, actor=STAFF)
    await _allow(client, auth, "TPL_REPLIED")  # exactly one message allowed
    await operations.reply(number=number, reply_text=LONG_REPLY, actor=STAFF)
    fake_wechat.fail(SUBSCRIBE, errcode=-1)  # system busy

    notification, status = await _deliver("replied", settings)
    assert status == "retry" and notification.status == "pending"
    assert not notification.tried[0]["permanent"]
    notification, status = await _deliver("replied", settings)

    assert status == "sent" and notification.channel == "miniprogram"
    [message] = fake_wechat.miniprogram_subscribes
    note = message["data"]["thing4"]["value"]
    assert len(note) == 20 and note.endswith("…") and LONG_REPLY.startswith(note[:-1])
    assert _notices(fake_sms, phone) == []
