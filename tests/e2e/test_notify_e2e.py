"""Notifications end to end, as the citizen and staff experience them: a ticket filed by chatting
with the WeChat webhook (or in the mini-program, over the citizen API), worked through the staff
API of a running ``hotline serve``, each change told to the citizen by a real ``hotline worker``
(Celery, on the filesystem broker or Redis) at the fake WeChat API (customer-service or
mini-program subscribe messages), or by SMS when WeChat cannot reach them; the callback survey
answered by chat or by the mini-program's evaluation; and a worker killed in the middle of a
send."""

from __future__ import annotations

import json
import signal
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from hotline.settings import Settings
from intake.config import IntakeConfig
from intake.models import ChannelIdentity, Conversation
from intake.models import Citizen as CitizenRecord
from notify.delivery import CLAIM_TIMEOUT
from notify.models import Notification, Survey
from tests.channels.wx import APP_ID, APP_SECRET
from tests.e2e.helpers import sender_for
from tests.e2e.notify_stack import (
    LINK,
    MINIPROGRAM_APP_ID,
    MINIPROGRAM_APP_SECRET,
    MINIPROGRAM_TEMPLATES,
    Citizen,
    MiniProgramUser,
    Service,
    Stack,
    StaffDesk,
    WatchedWechat,
    eventually,
)
from tests.factories import ticket as make_ticket
from tests.mobile.fakes import FakeAliyunSms

CUSTOM_SEND = "/cgi-bin/message/custom/send"
REPLY = "已更换灯具，恢复照明。"


@pytest.fixture
async def stack(db: None, settings: Settings, tmp_path) -> AsyncIterator[Stack]:
    wechat_api = WatchedWechat(app_id=APP_ID, secret=APP_SECRET)
    wechat_api.start()
    miniprogram_api = WatchedWechat(app_id=MINIPROGRAM_APP_ID, secret=MINIPROGRAM_APP_SECRET)
    miniprogram_api.start()
    sms_api = FakeAliyunSms()
    sms_api.start()
    stack = Stack(settings, wechat_api, sms_api, tmp_path, miniprogram_api)
    stack.purge_broker()
    try:
        api = stack.start_api()
        stack.start_worker()
        await stack.api_ready(api)
        yield stack
    finally:
        stack.stop()
        wechat_api.stop()
        miniprogram_api.stop()
        sms_api.stop()


@pytest.fixture
async def staff(stack: Stack) -> AsyncIterator[StaffDesk]:
    desk = StaffDesk(stack.base_url)
    await desk.sign_in()
    yield desk
    await desk.aclose()


async def wechat_message(stack: Stack, openid: str, words: str) -> str:
    """The one customer-service message to ``openid`` containing ``words``, once it arrived."""

    async def arrived() -> bool:
        return any(words in text for text in stack.wechat_api.texts_to(openid))

    await eventually(arrived, what=f"a WeChat message with {words!r}", watch=_watched(stack))
    matching = [text for text in stack.wechat_api.texts_to(openid) if words in text]
    assert len(matching) == 1, matching
    return matching[0]


async def sms(stack: Stack, phone: str, words: str) -> str:
    """The one SMS to ``phone`` containing ``words``, sent with the notice template."""

    def texts() -> list[str]:
        return [
            json.loads(params["TemplateParam"])["content"]
            for params in stack.sms_api.sent
            if params["PhoneNumbers"] == phone and params["TemplateCode"] == "SMS_NOTICE"
        ]

    async def arrived() -> bool:
        return any(words in text for text in texts())

    await eventually(arrived, what=f"an SMS with {words!r}", watch=_watched(stack))
    matching = [text for text in texts() if words in text]
    assert len(matching) == 1, matching
    return matching[0]


def _watched(stack: Stack) -> tuple[Service, ...]:
    return tuple(s for s in stack.services if s.name == "api" or s.process.poll() is None)


async def opens_the_ticket(stack: Stack, message: str, number: str) -> None:
    """The message carries a link that opens this ticket's page."""
    found = LINK.search(message)
    assert found, message
    assert found.group(0).startswith(stack.base_url)
    async with httpx.AsyncClient(timeout=10) as http:
        page = await http.get(found.group(0))
    assert page.status_code == 200 and number in page.text


async def test_wechat_citizen_hears_every_step_and_reopens_the_ticket_in_the_survey(
    stack: Stack, staff: StaffDesk
):
    openid = "oCitizenNotifyE2E0000000001"
    citizen = Citizen(stack, openid)
    try:
        # Accepted: said in the conversation itself, with the number and the deadline.
        number = await citizen.file_streetlight_request("13800138000")

        await staff.dispatch(number)
        dispatched = await wechat_message(stack, openid, "已转交")
        await staff.act("department", number, "accept")
        await staff.act("department", number, "reply", {"reply": REPLY})
        replied = await wechat_message(stack, openid, REPLY)
        await staff.act("operator", number, "close")
        closed = await wechat_message(stack, openid, "已办结")
        for message in (dispatched, replied, closed):
            assert number in message
            await opens_the_ticket(stack, message, number)

        # The survey round (run by beat every minute in production) finds the survey due:
        # the delay is 0 minutes in this stack's settings.
        sender_for(stack.settings).send_task("notify.surveys")
        invitation = await wechat_message(stack, openid, "是否已经解决")
        assert number in invitation

        async def waiting_for_the_answer() -> bool:
            conversation = await Conversation.get_or_none(channel="wechat", sender=openid)
            return conversation is not None and conversation.awaiting.startswith("survey:")

        await eventually(waiting_for_the_answer, what="the survey to await the answer")
        asked = await citizen.say("不满意，问题没解决")
        assert "意见或建议" in asked, asked
        thanks = await citizen.say("路灯晚上还是不亮")
        assert "重新交办" in thanks and number in thanks, thanks
    finally:
        await citizen.aclose()

    survey = await Survey.get(ticket__number=number)
    assert (survey.status, survey.resolved, survey.satisfaction) == (
        "answered",
        False,
        "dissatisfied",
    )
    assert survey.comment == "路灯晚上还是不亮"
    detail = await staff.get(f"/api/v1/staff/tickets/{number}")
    assert detail["ticket"]["status"] == "reopened"
    assert detail["ticket"]["satisfaction"] == "dissatisfied"
    alerts = [e for e in detail["events"] if e["action"] == "supervisor_alert"]
    assert len(alerts) == 1 and "路灯晚上还是不亮" in alerts[0]["internal_note"]
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http:
        progress = await http.get(
            "/api/v1/progress", params={"number": number, "phone_tail": "8000"}
        )
    assert progress.json()["status"] == "reopened"
    # Nothing was said twice: the four notifications went out once each, nothing by SMS.
    assert sum(number in text for text in stack.wechat_api.texts_to(openid)) == 4
    assert stack.sms_api.sent == []


async def subscribe_message(user: MiniProgramUser, number: str, purpose: str) -> dict[str, Any]:
    """The one subscribe message of ``purpose``'s template to the user, once the worker has
    sent it and recorded it sent (staff then act on a quiet database: on SQLite a write racing
    the worker's last commit is another matter)."""
    template = MINIPROGRAM_TEMPLATES[purpose]

    def matching() -> list[dict[str, Any]]:
        return [m for m in user.subscribe_messages() if m["template_id"] == template]

    async def delivered() -> bool:
        return bool(matching()) and await Notification.exists(
            ticket__number=number, purpose=purpose, status="sent"
        )

    await eventually(delivered, what=f"a {purpose} subscribe message", watch=_watched(user.stack))
    [message] = matching()
    return message


async def test_mini_program_citizen_hears_every_step_by_subscribe_message_and_reopens_it(
    stack: Stack, staff: StaffDesk
):
    openid = "oMPCitizenNotifyE2E00000001"
    phone = "13700137000"
    user = MiniProgramUser(stack, openid)
    try:
        await user.sign_in()
        # The filing page asks wx.requestSubscribeMessage for every template; each accept
        # allows one message.
        granted = await user.allow(*MINIPROGRAM_TEMPLATES.values())
        assert granted == dict.fromkeys(MINIPROGRAM_TEMPLATES.values(), 1)
        number = await user.file(
            "鼓楼区五一北路88号小区门口的路灯坏了一个多星期，晚上很黑", "鼓楼区五一北路88号", phone
        )
        accepted = await subscribe_message(user, number, "accepted")

        await staff.dispatch(number)
        dispatched = await subscribe_message(user, number, "dispatched")
        await staff.act("department", number, "accept")
        await staff.act("department", number, "reply", {"reply": REPLY})
        replied = await subscribe_message(user, number, "replied")
        await staff.act("operator", number, "close")
        closed = await subscribe_message(user, number, "closed")
        expected = {
            "accepted": (accepted, "已受理", "诉求已受理"),
            "dispatched": (dispatched, "已派单", "已转交"),
            "replied": (replied, "已答复", REPLY[:10]),
            "closed": (closed, "已办结", "欢迎评价"),
        }
        for message, status, note in expected.values():
            # Tapping it opens the ticket's page in the mini-program.
            assert message["page"] == f"pages/ticket/detail?number={number}", message
            assert message["miniprogram_state"] == "formal"
            assert message["data"]["character_string1"]["value"] == number
            assert message["data"]["phrase2"]["value"] == status
            assert note in message["data"]["thing4"]["value"], message

        # The survey round finds the survey due (0 minutes after closure in this stack): the
        # invitation is a subscribe message of the survey template, opening the ticket's page.
        sender_for(stack.settings).send_task("notify.surveys")
        invitation = await subscribe_message(user, number, "survey")
        assert invitation["page"] == f"pages/ticket/detail?number={number}"
        assert invitation["data"]["character_string1"]["value"] == number
        assert invitation["data"]["phrase2"]["value"] == "待评价"

        # That page shows the ticket awaiting the citizen's evaluation; the answer is unhappy.
        page = await user.ticket(number)
        assert (page["status"], page["can_evaluate"], page["reply"]) == ("surveyed", True, REPLY)
        await user.evaluate(number, "dissatisfied", "路灯晚上还是不亮")
        page = await user.ticket(number)
        assert (page["status"], page["satisfaction"], page["can_evaluate"]) == (
            "reopened",
            "dissatisfied",
            False,
        )

        # Sent again to the department: the one "dispatched" message the citizen allowed is
        # spent, so this one comes by SMS at once.
        await staff.act("operator", number, "dispatch", {})
        again = await sms(stack, phone, "已转交")
        assert number in again
        await opens_the_ticket(stack, again, number)
    finally:
        await user.aclose()

    survey = await Survey.get(ticket__number=number)
    assert (survey.status, survey.satisfaction, survey.comment) == (
        "answered",
        "dissatisfied",
        "路灯晚上还是不亮",
    )
    detail = await staff.get(f"/api/v1/staff/tickets/{number}")
    assert detail["ticket"]["status"] == "dispatched"
    assert detail["ticket"]["satisfaction"] == "dissatisfied"
    actions = [e["action"] for e in detail["events"]]
    assert actions.count("reopen") == 1
    alerts = [e for e in detail["events"] if e["action"] == "supervisor_alert"]
    assert len(alerts) == 1 and "路灯晚上还是不亮" in alerts[0]["internal_note"]
    # Each message went once, to the openid the grant was given to.
    sent = user.subscribe_messages()
    assert [m["template_id"] for m in sent] == [
        MINIPROGRAM_TEMPLATES[p] for p in ("accepted", "dispatched", "replied", "closed", "survey")
    ]
    # No send was tried without a grant: the second "dispatched" went straight to SMS.
    assert user.subscribe_attempts() == len(sent)
    assert [p["PhoneNumbers"] for p in stack.sms_api.sent] == [phone]
    assert stack.wechat_api.sent == [] and stack.wechat_api.templates == []
    notifications = await staff.get("/api/v1/staff/notifications", status="sent")
    mine = [n for n in notifications if n["ticket"] == number]
    assert sorted((n["purpose"], n["channel"]) for n in mine) == [
        ("accepted", "miniprogram"),
        ("closed", "miniprogram"),
        ("dispatched", "miniprogram"),
        ("dispatched", "sms"),
        ("replied", "miniprogram"),
        ("survey", "miniprogram"),
    ]
    [by_sms] = [n for n in mine if n["channel"] == "sms"]
    assert [t["channel"] for t in by_sms["tried"]] == ["miniprogram"], by_sms


async def test_when_wechat_cannot_reach_the_citizen_notifications_come_by_sms(
    stack: Stack, staff: StaffDesk
):
    openid = "oCitizenNotifyE2E0000000002"
    phone = "13900139000"
    citizen = Citizen(stack, openid)
    try:
        number = await citizen.file_streetlight_request(phone)
        chatted = len(stack.wechat_api.texts_to(openid))

        # WeChat says the 48-hour customer-service window has closed; "dispatched" has no
        # template message, so it goes by SMS.
        stack.wechat_api.fail(CUSTOM_SEND, errcode=45015)
        await staff.dispatch(number)
        dispatched = await sms(stack, phone, "已转交")
        # WeChat says the citizen no longer follows the account.
        stack.wechat_api.fail(CUSTOM_SEND, errcode=43004)
        await staff.act("department", number, "accept")
        await staff.act("department", number, "reply", {"reply": REPLY})
        replied = await sms(stack, phone, REPLY)
        # The citizen unfollows, and the webhook hears of it: WeChat is not even tried.
        await citizen.unfollow()
        await staff.act("operator", number, "close")
        closed = await sms(stack, phone, "已办结")
    finally:
        await citizen.aclose()

    for message in (dispatched, replied, closed):
        assert number in message
        await opens_the_ticket(stack, message, number)
    assert len(stack.wechat_api.texts_to(openid)) == chatted  # nothing reached WeChat
    assert [p for p, to in stack.wechat_api.arrivals if to == openid].count(CUSTOM_SEND) == 2
    assert stack.wechat_api.templates == []
    # Staff see which channel each went by, and why WeChat was passed over.
    sent = await staff.get("/api/v1/staff/notifications", status="sent")
    by_purpose = {n["purpose"]: n for n in sent if n["ticket"] == number}
    assert {p: n["channel"] for p, n in by_purpose.items()} == {
        "dispatched": "sms",
        "replied": "sms",
        "closed": "sms",
    }
    assert "45015" in by_purpose["dispatched"]["tried"][0]["error"]
    assert "43004" in by_purpose["replied"]["tried"][0]["error"]


async def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    stack: Stack, staff: StaffDesk, config: IntakeConfig
):
    openids = [f"oCitizenNotifyKill00000000{i}" for i in range(4)]
    numbers = {}
    for openid in openids:
        person = await CitizenRecord.create()
        await ChannelIdentity.create(channel="wechat", external_id=openid, citizen=person)
        created = await make_ticket(config, now=datetime.now(UTC), citizen=person)
        numbers[openid] = created.ticket.number
    # WeChat takes its time over the first message: the worker is killed while it waits.
    stack.wechat_api.fail(CUSTOM_SEND, delay=4.0)
    for number in numbers.values():
        await staff.dispatch(number)

    async def first_send_in_flight() -> bool:
        return any(path == CUSTOM_SEND for path, _ in stack.wechat_api.arrivals)

    await eventually(first_send_in_flight, what="the first send", watch=tuple(stack.services))
    first_worker = next(s for s in stack.services if s.name == "worker")
    first_worker.process.send_signal(signal.SIGKILL)
    assert first_worker.process.wait(timeout=10) == -signal.SIGKILL
    in_flight = next(to for path, to in stack.wechat_api.arrivals if path == CUSTOM_SEND)
    stack.start_worker()

    # WeChat got the message the dead worker was sending (it answered into the void), and the
    # new worker delivers every notification queued behind it.
    for openid in openids:
        await wechat_message(stack, openid, "已转交")
    assert (await Notification.get(ticket__number=numbers[in_flight])).status == "sending"

    # The broker gives the killed worker's task back (a prefork pool at once, Redis after its
    # visibility timeout): the new worker takes it and sends nothing, since the row is claimed.
    task_id = str(uuid.uuid4())
    notification = await Notification.get(ticket__number=numbers[in_flight])
    client = sender_for(stack.settings)
    client.send_task("notify.deliver", args=(notification.id,), task_id=task_id)
    worker = stack.services[-1]

    async def redelivery_done() -> bool:
        return f"notify.deliver[{task_id}] succeeded" in worker.log.read_text(errors="replace")

    await eventually(redelivery_done, what="the redelivered task", watch=(worker,))
    outcome = next(
        line
        for line in worker.log.read_text(errors="replace").splitlines()
        if f"notify.deliver[{task_id}] succeeded" in line
    )
    assert outcome.endswith("'skipped'"), outcome

    # The dead sender's claim times out (the clock moved on by CLAIM_TIMEOUT); the sweep marks
    # the notification uncertain, for staff to check, rather than sending it again.
    await Notification.filter(id=notification.id).update(
        claimed_at=datetime.now(UTC) - CLAIM_TIMEOUT * 2
    )
    client.send_task("notify.sweep")

    async def flagged_for_staff() -> bool:
        rows = await staff.get("/api/v1/staff/notifications", status="uncertain")
        return [row["ticket"] for row in rows] == [numbers[in_flight]]

    await eventually(flagged_for_staff, what="the uncertain notification", watch=_watched(stack))
    detail = await staff.get(f"/api/v1/staff/tickets/{numbers[in_flight]}")
    assert any(e["action"] == "notification_uncertain" for e in detail["events"])
    for openid in openids:
        assert len(stack.wechat_api.texts_to(openid)) == 1, openid
    assert [path for path, _ in stack.wechat_api.arrivals].count(CUSTOM_SEND) == 4
    statuses = {n.ticket_id: n.status for n in await Notification.all()}
    assert sorted(statuses.values()) == ["sent", "sent", "sent", "uncertain"]
