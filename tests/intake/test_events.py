"""Listeners see ticket events inside the transaction; after-commit work runs only on commit."""

from __future__ import annotations

import pytest

from intake import events, operations
from intake.errors import IllegalTransition
from intake.workflow import Actor
from tests.factories import ticket as make_ticket

STAFF = Actor("staff", "1")


@pytest.fixture
def recorded():
    seen: list[tuple[str, str]] = []
    committed: list[str] = []

    async def listener(ticket, event) -> None:
        seen.append((ticket.number, event.action))

        async def after() -> None:
            committed.append(event.action)

        events.on_commit(after)

    events.subscribe(listener)
    yield seen, committed
    events._listeners.remove(listener)


async def test_listener_sees_each_change_and_after_commit_runs(db, config, now, recorded):
    seen, committed = recorded
    async with events.unit_of_work():
        number = (await make_ticket(config, now=now)).ticket.number
    await operations.dispatch(number=number, department_code=None, actor=STAFF)
    assert seen == [(number, "receive"), (number, "dispatch")]
    assert committed == ["receive", "dispatch"]


async def test_nothing_runs_after_a_rollback(db, config, now, recorded):
    _, committed = recorded
    async with events.unit_of_work():
        number = (await make_ticket(config, now=now)).ticket.number
    committed.clear()
    with pytest.raises(IllegalTransition):
        await operations.close(number=number, actor=STAFF, now=now)
    with pytest.raises(RuntimeError):
        async with events.unit_of_work():
            await operations.dispatch(number=number, department_code=None, actor=STAFF)
            raise RuntimeError("boom after the change")
    assert committed == []


def test_on_commit_outside_a_unit_of_work_is_an_error():
    with pytest.raises(RuntimeError):
        events.on_commit(lambda: None)  # type: ignore[arg-type,return-value]
