"""A real Celery worker process on the configured broker (filesystem, or Redis in CI's second
pass) runs the periodic tasks against the same database as the API."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from intake.models import Citizen, Conversation, Ticket
from tests.e2e.helpers import sender_for, service_env, start
from tests.factories import ticket as make_ticket


async def test_worker_runs_deadline_watch_and_housekeeping(db, settings, config, tmp_path: Path):
    now = datetime.now(UTC)
    overdue = (await make_ticket(config, now=now - timedelta(days=30))).ticket
    overdue.status = "accepted"
    overdue.due_at = now - timedelta(hours=1)
    await overdue.save()
    stale = await Conversation.create(
        channel="test",
        sender="idle-citizen",
        step="await_phone",
        citizen=await Citizen.create(),
        slots={"description": "x"},
        expires_at=now - timedelta(minutes=5),
    )
    log = tmp_path / "worker.log"
    worker = start(["worker", "--pool=solo", "--concurrency=1"], service_env(settings), log)
    try:
        client = sender_for(settings)
        client.send_task("intake.check_deadlines")
        client.send_task("intake.housekeeping")

        async def changed() -> bool:
            ticket = await Ticket.get(id=overdue.id)
            conversation = await Conversation.get(id=stale.id)
            return ticket.supervised and conversation.step == "expired"

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not await changed():
            assert worker.poll() is None, log.read_text()[-3000:]
            assert loop.time() < deadline, log.read_text()[-3000:]
            await asyncio.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
