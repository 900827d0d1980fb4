"""The survey round in sets: many due surveys invited in batches, exactly once even with two
rounds at once, published in delivery batches after commit, a lost publish found by the sweep,
and a delivery batch that retries only what failed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from hotline.settings import Settings
from intake import operations
from intake.filing import FilingForm, file_request
from intake.models import ChannelIdentity, Ticket, TicketEvent
from intake.workflow import Actor
from notify import delivery, senders, surveys, tasks
from notify.models import Notification, Survey
from notify.outbox import install
from notify.senders import DeliveryError, OutboundMessage

# The WeChat channel's fixtures: the fake WeChat API and its tables emptied on PostgreSQL.
from tests.channels.conftest import (  # noqa: F401
    fake_wechat,
    wechat_settings,
    wx_db,
    wx_settings,
)
from tests.channels.fake_wechat import FakeWechat
from tests.conftest import POSTGRES_URL

STAFF = Actor("staff", "1")


def _form(i: int) -> FilingForm:
    return FilingForm(
        description=f"鼓楼区五一北路{i}号门口路灯坏了一个星期，晚上很黑",
        contact_phone=f"138{i:08d}",
    )


async def _closed_tickets(config, now, count: int) -> list[Ticket]:
    numbers = []
    for i in range(count):
        result = await file_request(
            form=_form(i), channel="api", idempotency_key=None, config=config, now=now
        )
        number = result.number
        await operations.dispatch(number=number, department_code=None, actor=STAFF)
        await operations.accept(number=number, actor=STAFF)
        await operations.reply(number=number, reply_text="已修复。", actor=STAFF)
        await operations.close(number=number, actor=STAFF, now=now)
        numbers.append(number)
    return list(await Ticket.filter(number__in=numbers).order_by("id"))


class Published:
    """Stands in for the broker: what ``apply_async`` was asked to publish, per task."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.batches: list[list[int]] = []
        self.single: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self.fail = False
        monkeypatch.setattr(tasks.deliver_batch, "apply_async", self._batch)
        monkeypatch.setattr(tasks.deliver, "apply_async", self._single)

    def _batch(self, args: tuple[Any, ...], **options: Any) -> None:
        if self.fail:
            raise ConnectionError("broker unreachable")
        assert not options
        self.batches.append(list(args[0]))

    def _single(self, args: tuple[Any, ...], **options: Any) -> None:
        self.single.append((args, options))

    @property
    def ids(self) -> list[int]:
        return [i for batch in self.batches for i in batch]


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Published:
    return Published(monkeypatch)


@pytest.fixture
def survey_settings(settings: Settings, fake_wechat: FakeWechat) -> Iterator[Settings]:  # noqa: F811
    config = wechat_settings(
        settings.data_dir, fake_wechat, quiet_hours="off", survey_delay_minutes=0
    )
    saved = dict(senders._REGISTRY)
    install(config)
    yield config
    senders._REGISTRY.clear()
    senders._REGISTRY.update(saved)


async def _assert_invited_once(tickets: list[Ticket]) -> list[Notification]:
    invitations = list(await Notification.filter(purpose="survey").order_by("id"))
    assert sorted(n.ticket_id for n in invitations) == sorted(t.id for t in tickets)
    assert len({n.survey_id for n in invitations}) == len(tickets)
    for ticket in tickets:
        assert (await Ticket.get(id=ticket.id)).status == "surveyed"
        events = await TicketEvent.filter(ticket_id=ticket.id, action="survey")
        assert [(e.from_status, e.to_status, e.actor_type) for e in events] == [
            ("closed", "surveyed", "system")
        ]
    assert not await Survey.filter(status="scheduled").exists()
    return invitations


async def test_many_due_surveys_are_invited_once_in_batches_and_delivered(
    wx_db,  # noqa: F811
    config,
    now,
    survey_settings,
    fake_wechat,  # noqa: F811
    published,
):
    from channels.wechat_oa import users

    tickets = await _closed_tickets(config, now, 12)
    for ticket in tickets:
        openid = f"oSurvey{ticket.id:04d}"
        await ChannelIdentity.create(
            channel="wechat", external_id=openid, citizen_id=ticket.citizen_id
        )
        await users.subscribe(openid=openid, at=datetime.now(UTC))
        await users.touch(openid=openid, at=datetime.now(UTC))
    published.batches.clear()  # the closures' own "closed" notifications

    result = await surveys.run_round(settings=survey_settings, now=datetime.now(UTC), batch_size=5)
    assert result == {"sent": 12, "reminded": 0, "no_response": 0}
    invitations = await _assert_invited_once(tickets)
    # Three claims of at most five, each published once its transaction committed.
    assert [len(batch) for batch in published.batches] == [5, 5, 2]
    assert sorted(published.ids) == [n.id for n in invitations]
    assert invitations[0].buttons and "是否已经解决" in invitations[0].text
    survey = await Survey.get(id=invitations[0].survey_id)
    assert survey.sent_at is not None and survey.expires_at is not None
    assert survey.next_reminder_at is not None

    assert await surveys.run_round(settings=survey_settings, now=datetime.now(UTC)) == {
        "sent": 0,
        "reminded": 0,
        "no_response": 0,
    }
    for batch in published.batches:
        counts = await tasks.deliver_each(batch, settings=survey_settings)
        assert counts == {"sent": len(batch)}
    for invitation in invitations:
        openid = f"oSurvey{invitation.ticket_id:04d}"
        assert fake_wechat.texts_to(openid) == [invitation.text]
        assert (await Notification.get(id=invitation.id)).channel == "wechat"
    # A redelivered batch sends nothing twice.
    assert await tasks.deliver_each(published.batches[0], settings=survey_settings) == {
        "skipped": 5
    }


async def test_two_rounds_at_once_never_invite_twice(db, config, now, notify_settings, published):
    tickets = await _closed_tickets(config, now, 10)
    at = max(s.send_at for s in await Survey.all())
    first, second = await asyncio.gather(
        surveys.run_round(settings=notify_settings, now=at, batch_size=3),
        surveys.run_round(settings=notify_settings, now=at, batch_size=3),
    )
    assert first["sent"] + second["sent"] == 10
    await _assert_invited_once(tickets)
    survey_ids = {n.survey_id for n in await Notification.filter(id__in=published.ids)}
    assert len(survey_ids) == 10 and len(published.ids) == len(set(published.ids))


async def test_reminders_and_expiry_in_batches(db, config, now, notify_settings, published):
    await _closed_tickets(config, now, 7)
    at = max(s.send_at for s in await Survey.all())
    assert (await surveys.run_round(settings=notify_settings, now=at, batch_size=3))["sent"] == 7
    survey = await Survey.first()
    assert survey is not None and survey.next_reminder_at and survey.expires_at
    first = await surveys.run_round(
        settings=notify_settings, now=survey.next_reminder_at, batch_size=3
    )
    again = await surveys.run_round(
        settings=notify_settings, now=survey.next_reminder_at, batch_size=3
    )
    assert (first["reminded"], again["reminded"]) == (7, 0)
    reminders = await Notification.filter(purpose="survey_reminder")
    assert len(reminders) == 7 and all("是否已经解决" in r.text for r in reminders)
    assert all(r.dedup_key.endswith(":reminder:1") for r in reminders)
    done = await surveys.run_round(settings=notify_settings, now=survey.expires_at, batch_size=3)
    assert done == {"sent": 0, "reminded": 0, "no_response": 7}
    assert await Survey.filter(status="no_response").count() == 7
    assert await TicketEvent.filter(action="survey_no_response").count() == 7


async def test_a_lost_publish_is_found_by_the_sweep(
    db, config, now, notify_settings, fake_senders, published
):
    tickets = await _closed_tickets(config, now, 4)
    await Notification.all().update(status="sent")  # the closures' own news went out
    published.fail = True
    at = max(s.send_at for s in await Survey.all())
    assert (await surveys.run_round(settings=notify_settings, now=at))["sent"] == 4
    invitations = await _assert_invited_once(tickets)
    assert published.batches == []  # committed, but never reached the broker
    due = await delivery.due_for_sending(now=datetime.now(UTC))
    assert due == [n.id for n in invitations]
    assert await tasks.deliver_each(due, settings=notify_settings) == {"sent": 4}
    assert len(fake_senders["sms"].sent) == 4


class Flaky:
    """Delivers every message but one ticket's, which fails retriably (WeChat busy)."""

    def __init__(self, number: str) -> None:
        self.number = number
        self.sent: list[str] = []

    async def send(self, *, address: str, message: OutboundMessage, dedup_key: str) -> None:
        if message.ticket_number == self.number:
            raise DeliveryError("busy", permanent=False)
        self.sent.append(message.ticket_number)


async def test_a_retriable_failure_in_a_batch_is_retried_alone(
    db, config, now, notify_settings, fake_senders, published
):
    tickets = await _closed_tickets(config, now, 5)
    at = max(s.send_at for s in await Survey.all())
    published.single.clear()  # the closures' own news
    await surveys.run_round(settings=notify_settings, now=at)
    batch = published.batches[-1]
    assert len(batch) == 5
    flaky = Flaky(tickets[2].number)
    senders.register("sms", lambda _settings: flaky)
    counts = await tasks.deliver_each(batch, settings=notify_settings)
    assert counts == {"sent": 4, "retry": 1}
    assert sorted(flaky.sent) == sorted(t.number for t in tickets if t.id != tickets[2].id)
    failed = await Notification.get(ticket_id=tickets[2].id, purpose="survey")
    assert (failed.status, failed.attempts) == ("pending", 1)
    # Its own notify.deliver, as its first retry, after the usual first back-off.
    assert published.single == [((failed.id,), {"countdown": 4.0, "retries": 1})]


@pytest.mark.skipif(not POSTGRES_URL, reason="row locks: PostgreSQL only (SQLite: one writer)")
async def test_a_ticket_being_evaluated_is_skipped_not_waited_for(
    db, config, now, notify_settings, published
):
    # A citizen's evaluation holds the ticket's lock and will then update its survey: a round
    # that claimed that survey and waited for the ticket would deadlock with it.
    tickets = await _closed_tickets(config, now, 3)
    busy = tickets[0]
    at = max(s.send_at for s in await Survey.all())
    evaluation = await asyncpg.connect(POSTGRES_URL)
    try:
        holding = evaluation.transaction()
        await holding.start()
        await evaluation.execute("SELECT id FROM ticket WHERE id = $1 FOR UPDATE", busy.id)
        done = await asyncio.wait_for(surveys.run_round(settings=notify_settings, now=at), 10)
        assert done["sent"] == 2
        assert (await Survey.get(ticket_id=busy.id)).status == "scheduled"
        await holding.rollback()
    finally:
        await evaluation.close()
    assert (await surveys.run_round(settings=notify_settings, now=at))["sent"] == 1
    await _assert_invited_once(tickets)
