"""A worker process's tasks share one event loop (it owns the database connections)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from hotline import celery_app


def test_a_delayed_task_and_a_queued_task_take_turns(monkeypatch: pytest.MonkeyPatch):
    # The solo pool runs a retry whose countdown has passed in Celery's timer thread while the main
    # thread takes the next message: the second used to fail "This event loop is already running"
    # and the citizen's message went unanswered until the broker redelivered it.
    loop = asyncio.new_event_loop()
    monkeypatch.setattr(celery_app, "_loop", loop)
    monkeypatch.setattr(celery_app, "_db_ready", True)
    retry_running = threading.Event()
    finished: list[str] = []

    async def retried_reply() -> str:
        retry_running.set()
        await asyncio.sleep(0.3)
        finished.append("retry")
        return "sent after flood control"

    async def next_message() -> str:
        finished.append("next")
        return "answered"

    results: dict[str, str] = {}
    timer_thread = threading.Thread(
        target=lambda: results.__setitem__("retry", celery_app.run_async(retried_reply()))
    )
    timer_thread.start()
    try:
        assert retry_running.wait(5)
        results["next"] = celery_app.run_async(next_message())
    finally:
        timer_thread.join(5)
        loop.close()
    assert results == {"retry": "sent after flood control", "next": "answered"}
    assert finished == ["retry", "next"]
