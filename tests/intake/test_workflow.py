"""Every lifecycle step, and every step a ticket's status does not allow."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intake import operations
from intake.errors import IllegalTransition, InvalidInput, TicketNotFound
from intake.models import Ticket, TicketEvent
from intake.workflow import RULES, Actor, Status, apply_action
from tests.factories import ticket as make_ticket

STAFF = Actor("staff", "1")


async def _at(config, now, status: Status) -> Ticket:
    created = await make_ticket(config, now=now)
    ticket = created.ticket
    ticket.status = status.value
    await ticket.save()
    return ticket


async def test_the_whole_loop_is_recorded_for_the_citizen(db, config, now):
    number = (await make_ticket(config, now=now)).ticket.number
    await operations.dispatch(number=number, department_code=None, actor=STAFF)
    await operations.accept(number=number, actor=Actor("department", "9"))
    await operations.request_extension(
        number=number, days=2, reason="需要现场勘查", actor=Actor("department", "9")
    )
    before = (await Ticket.get(number=number)).due_at
    await operations.decide_extension(number=number, approve=True, actor=STAFF, config=config)
    after = (await Ticket.get(number=number)).due_at
    assert before is not None and after is not None and after > before
    await operations.reply(
        number=number, reply_text="路灯已于今日修复。", actor=Actor("department", "9")
    )
    await operations.close(number=number, actor=STAFF, now=now)
    ticket = await operations.evaluate(number=number, satisfaction="satisfied", actor=STAFF)
    assert ticket.status == "evaluated" and ticket.satisfaction == "satisfied"
    actions = (
        await TicketEvent.filter(ticket__number=number)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "receive",
        "dispatch",
        "accept",
        "request_extension",
        "extension_approved",
        "reply",
        "close",
        "evaluate",
    ]


async def test_return_then_redispatch_to_another_department(db, config, now):
    number = (await make_ticket(config, now=now)).ticket.number
    await operations.dispatch(number=number, department_code=None, actor=STAFF)
    with pytest.raises(InvalidInput):
        await operations.return_ticket(number=number, reason=" ", actor=STAFF)
    await operations.return_ticket(number=number, reason="不属于本单位职责", actor=STAFF)
    ticket = await operations.dispatch(number=number, department_code="FZ-env-air", actor=STAFF)
    assert ticket.status == "dispatched"
    assert (await ticket.department).code == "FZ-env-air"  # type: ignore[union-attr]


async def test_unsatisfied_evaluation_reopens_for_review(db, config, now):
    ticket = await _at(config, now, Status.CLOSED)
    result = await operations.evaluate(
        number=ticket.number, satisfaction="dissatisfied", comment="问题没解决", actor=STAFF
    )
    assert result.status == "reopened" and result.satisfaction == "dissatisfied"
    again = await operations.dispatch(number=ticket.number, department_code=None, actor=STAFF)
    assert again.status == "dispatched"


async def test_supervision_is_a_flag_with_its_own_event(db, config, now):
    ticket = await _at(config, now, Status.ACCEPTED)
    result = await operations.supervise(number=ticket.number, note="超期", actor=STAFF)
    assert result.supervised and result.status == "accepted"
    assert await TicketEvent.filter(ticket=ticket, action="supervise").exists()


@pytest.mark.parametrize(
    ("action", "status"),
    [(a, s) for a, rule in RULES.items() for s in Status if s not in rule.sources],
    ids=lambda v: str(v),
)
async def test_illegal_transition_is_refused_and_changes_nothing(db, config, now, action, status):
    ticket = await _at(config, now, status)
    events_before = await TicketEvent.filter(ticket=ticket).count()
    with pytest.raises(IllegalTransition):
        await apply_action(ticket, action, actor=STAFF)
    fresh = await Ticket.get(id=ticket.id)
    assert fresh.status == status.value
    assert await TicketEvent.filter(ticket=ticket).count() == events_before


@pytest.mark.parametrize(
    ("action", "status"),
    [(a, s) for a, rule in RULES.items() for s in rule.sources],
    ids=lambda v: str(v),
)
async def test_every_legal_transition_lands_on_its_target(db, config, now, action, status):
    ticket = await _at(config, now, status)
    event = await apply_action(ticket, action, actor=STAFF)
    fresh = await Ticket.get(id=ticket.id)
    target = RULES[action].target
    assert fresh.status == (target.value if target else status.value)
    assert event.from_status == status.value and event.to_status == fresh.status


async def test_operations_on_unknown_ticket(db):
    with pytest.raises(TicketNotFound):
        await operations.accept(number="FZ20991231000001", actor=STAFF)


async def test_illegal_operation_through_the_service_rolls_back_field_changes(db, config, now):
    ticket = await _at(config, now, Status.RECEIVED)
    with pytest.raises(IllegalTransition):
        await operations.reply(number=ticket.number, reply_text="答复", actor=STAFF)
    assert (await Ticket.get(id=ticket.id)).reply_text == ""


async def test_deadline_watch_warns_then_supervises(db, config, now):
    from intake.deadlines import check_deadlines

    ticket = await _at(config, now, Status.DISPATCHED)
    ticket.due_at = now + timedelta(hours=3)
    await ticket.save()
    first = await check_deadlines(now=now, warning=timedelta(hours=24))
    again = await check_deadlines(now=now, warning=timedelta(hours=24))
    assert first == {"warned": 1, "supervised": 0} and again == {"warned": 0, "supervised": 0}
    late = await check_deadlines(now=now + timedelta(hours=4), warning=timedelta(hours=24))
    assert late["supervised"] == 1
    assert (await Ticket.get(id=ticket.id)).supervised
