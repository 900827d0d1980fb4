"""What the citizen is told when their ticket changes, and how it reaches them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intake import operations
from intake.errors import IllegalTransition
from intake.events import unit_of_work
from intake.filing import FilingForm, file_request
from intake.models import ChannelIdentity, Ticket, TicketEvent
from intake.workflow import Actor
from notify.delivery import deliver, mark_stale_claims
from notify.models import Notification, Survey
from notify.senders import DeliveryError

STAFF = Actor("staff", "1")
FORM = FilingForm(
    description="鼓楼区五一北路88号门口路灯坏了一个星期，晚上很黑", contact_phone="13800138000"
)


async def _filed(config, now) -> str:
    result = await file_request(
        form=FORM, channel="api", idempotency_key=None, config=config, now=now
    )
    return result.number


async def _walk_to_closed(number: str, now) -> None:
    await operations.dispatch(number=number, department_code=None, actor=STAFF)
    await operations.accept(number=number, actor=STAFF)
    await operations.reply(number=number, reply_text="已更换灯具，恢复照明。", actor=STAFF)
    await operations.close(number=number, actor=STAFF, now=now)


async def test_each_step_writes_one_notification_in_its_transaction(
    db, config, now, notify_settings
):
    number = await _filed(config, now)
    await _walk_to_closed(number, now)
    rows = await Notification.filter(ticket__number=number).order_by("id")
    assert [n.purpose for n in rows] == ["accepted", "dispatched", "replied", "closed"]
    assert number in rows[0].text and "办理时限" in rows[0].text
    assert "福州市城市管理局" in rows[1].text
    assert "已更换灯具" in rows[2].text
    assert all("/t/" in n.link for n in rows) and len({n.link for n in rows}) == len(rows)
    survey = await Survey.get(ticket__number=number)
    assert survey.status == "scheduled" and survey.closure_no == 1


async def test_a_refused_change_writes_nothing(db, config, now, notify_settings):
    number = await _filed(config, now)
    before = await Notification.all().count()
    with pytest.raises(IllegalTransition):
        await operations.close(number=number, actor=STAFF, now=now)
    assert await Notification.all().count() == before


async def test_chat_filings_are_not_told_twice_that_they_were_accepted(
    db, config, now, notify_settings
):
    from tests.factories import Chat

    chat = Chat(config, now=now)
    await chat.say("公司拖欠我三个月工资一直不发，老板也联系不上")
    await chat.say("13800138000")
    await chat.say("确认")
    assert not await Notification.filter(purpose="accepted").exists()


async def test_quiet_hours_hold_non_urgent_messages(db, config, now, settings):
    from notify.outbox import install
    from tests.conftest import make_settings

    local = datetime.now(UTC) + timedelta(hours=8)
    window = f"{(local - timedelta(hours=1)):%H:%M}-{(local + timedelta(hours=1)):%H:%M}"
    install(make_settings(settings.data_dir, quiet_hours=window))
    number = await _filed(config, now)
    row = await Notification.get(ticket__number=number)
    assert row.not_before is not None and row.not_before > datetime.now(UTC) + timedelta(minutes=50)
    outcome = await deliver(notification_id=row.id, settings=settings, now=datetime.now(UTC))
    assert outcome.status == "skipped"  # not before the quiet hours end


async def test_delivered_once_even_if_the_task_runs_twice(
    db, config, now, notify_settings, fake_senders
):
    number = await _filed(config, now)
    row = await Notification.get(ticket__number=number)
    at = datetime.now(UTC)
    first = await deliver(notification_id=row.id, settings=notify_settings, now=at)
    second = await deliver(notification_id=row.id, settings=notify_settings, now=at)
    assert (first.status, second.status) == ("sent", "skipped")
    assert fake_senders["sms"].sent == [("13800138000", row.text)]
    assert (await Notification.get(id=row.id)).channel == "sms"


async def test_permanent_failure_falls_back_and_retriable_waits(
    db, config, now, notify_settings, fake_senders
):
    number = await _filed(config, now)
    ticket = await Ticket.get(number=number)
    await ChannelIdentity.create(
        channel="wechat", external_id="oOPENID", citizen_id=ticket.citizen_id
    )
    fake_senders["wechat"].fail = DeliveryError("45015 outside the 48h window", permanent=True)
    async with unit_of_work():
        await operations.dispatch(number=number, department_code=None, actor=STAFF)
    row = await Notification.get(ticket__number=number, purpose="dispatched")
    outcome = await deliver(notification_id=row.id, settings=notify_settings, now=datetime.now(UTC))
    assert outcome.status == "sent"
    fresh = await Notification.get(id=row.id)
    assert fresh.channel == "sms" and fresh.tried[0]["channel"] == "wechat"

    fake_senders["wechat"].fail = DeliveryError("timeout", permanent=False)
    accepted = await Notification.get(ticket__number=number, purpose="accepted")
    outcome = await deliver(
        notification_id=accepted.id, settings=notify_settings, now=datetime.now(UTC)
    )
    assert outcome.status == "retry"
    assert (await Notification.get(id=accepted.id)).status == "pending"
    assert fake_senders["sms"].sent == [("13800138000", fresh.text)]


async def test_nowhere_to_deliver_is_recorded_for_staff(
    db, config, now, notify_settings, fake_senders
):
    number = await _filed(config, now)
    fake_senders["sms"].fail = DeliveryError("invalid number", permanent=True)
    row = await Notification.get(ticket__number=number)
    outcome = await deliver(notification_id=row.id, settings=notify_settings, now=datetime.now(UTC))
    assert outcome.status == "undeliverable"
    assert await TicketEvent.filter(
        ticket__number=number, action="notification_undeliverable"
    ).exists()


async def test_a_sender_that_died_mid_call_is_flagged_not_resent(
    db, config, now, notify_settings, fake_senders
):
    number = await _filed(config, now)
    row = await Notification.get(ticket__number=number)
    await Notification.filter(id=row.id).update(
        status="sending", claimed_at=datetime.now(UTC) - timedelta(hours=1)
    )
    assert (
        await deliver(notification_id=row.id, settings=notify_settings, now=datetime.now(UTC))
    ).status == "skipped"
    assert await mark_stale_claims(now=datetime.now(UTC)) == 1
    assert (await Notification.get(id=row.id)).status == "uncertain"
    assert fake_senders["sms"].sent == []
    assert await TicketEvent.filter(ticket__number=number, action="notification_uncertain").exists()
