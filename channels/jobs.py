"""Handing work to the Celery worker from a channel's webhook, by task name (every channel).

A webhook imports no task module (which would pull the worker's wiring into every request):
it publishes by name to the broker of the settings it was given. That also keeps tests, whose
data directory (and so embedded broker) changes per test, on the right broker.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from kombu import Connection, Queue

from hotline.celery_app import app, celery_config
from hotline.settings import Settings


class Jobs(Protocol):
    async def enqueue(self, task: str, **kwargs: Any) -> None:
        """Publish ``task`` with JSON-serialisable keyword arguments (ids, not objects)."""


class CeleryJobs:
    """Publishes to the broker of ``settings`` (Redis, or the embedded filesystem broker)."""

    def __init__(self, settings: Settings) -> None:
        config = celery_config(settings)
        self._url: str = config["broker_url"]
        self._options: dict[str, Any] = dict(config.get("broker_transport_options", {}))
        # Published straight to the queue (the default exchange): kombu remembers declared
        # bindings per process, not per broker folder, so a declared exchange could point at
        # another data directory's broker; the queue name alone cannot.
        self._queue = Queue(config["task_default_queue"])
        if settings.uses_embedded_broker:
            self._options.setdefault("control_folder", str(settings.broker_dir / "control"))

    def _publish(self, task: str, kwargs: dict[str, Any]) -> None:
        with Connection(self._url, transport_options=self._options) as connection:
            app.send_task(
                task,
                kwargs=kwargs,
                connection=connection,
                queue=self._queue,
                declare=[],
            )

    async def enqueue(self, task: str, **kwargs: Any) -> None:
        # A broker write is short but blocking: keep it off the event loop.
        await asyncio.to_thread(self._publish, task, kwargs)


_publishers: dict[int, tuple[Settings, CeleryJobs]] = {}


def jobs_for_settings(settings: Settings) -> CeleryJobs:
    """One publisher per settings object (a webhook's app), shared by every channel router."""
    cached = _publishers.get(id(settings))
    if cached is None or cached[0] is not settings:
        cached = _publishers[id(settings)] = (settings, CeleryJobs(settings))
    return cached[1]
