"""The Celery app and the house task decorator.

The broker is Redis in production and kombu's ``filesystem://`` transport (folders under the
data directory) in the embedded default: the same code path, only the URL differs, never eager
mode. Settings are applied when Celery first needs its configuration, not at import.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from celery import Celery, Task
from celery.signals import worker_process_shutdown, worker_shutdown
from kombu import Connection

from hotline.settings import Settings, get_settings

logger = logging.getLogger(__name__)

# Modules holding tasks; Celery imports them by name in the worker.
TASK_MODULES = [
    "intake.tasks",
    "notify.tasks",
    "channels.wechat_oa.tasks",
    "channels.telegram.tasks",
    "channels.voice_tasks",
]


def celery_config(settings: Settings) -> dict[str, Any]:
    config: dict[str, Any] = {
        "broker_url": settings.effective_broker_url,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": "hotline",
        "timezone": "Asia/Shanghai",
        "broker_connection_retry_on_startup": True,
        "imports": TASK_MODULES,
        "beat_schedule": {
            "deadline-check": {"task": "intake.check_deadlines", "schedule": timedelta(minutes=5)},
            "housekeeping": {"task": "intake.housekeeping", "schedule": timedelta(minutes=10)},
            # Notifications due after quiet hours or whose publish was lost; dead senders.
            "notify-sweep": {"task": "notify.sweep", "schedule": timedelta(seconds=30)},
            "surveys": {"task": "notify.surveys", "schedule": timedelta(minutes=1)},
            # Updates and media the webhook stored but no worker finished (a lost publish, a
            # worker that died): re-enqueued, so nothing Telegram delivered is lost.
            "telegram-sweep": {"task": "telegram.sweep", "schedule": timedelta(minutes=1)},
            # Voice jobs whose publish was lost; recordings uploaded with app tickets.
            "voice-sweep": {"task": "voice.sweep", "schedule": timedelta(minutes=2)},
        },
    }
    if settings.uses_embedded_broker:
        folder = settings.broker_dir
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        config["broker_transport_options"] = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            # Without it kombu creates ./control in whatever the working directory is.
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    return config


class HotlineCelery(Celery):
    def on_configure(self) -> None:
        self.conf.update(celery_config(get_settings()))


app = HotlineCelery("hotline")

P = ParamSpec("P")
R = TypeVar("R")

_loop: asyncio.AbstractEventLoop | None = None
_db_ready = False
# The solo pool runs a task whose countdown has passed (a retry, a delayed send) in Celery's timer
# thread, while the main thread may be running the next task from the queue: both would drive the
# one loop ("This event loop is already running"), so tasks take turns. The database connections
# belong to this loop, which is why it is one loop and not one per thread.
_loop_turn = threading.Lock()


def run_async(coro: Coroutine[Any, Any, R]) -> R:
    """Run a coroutine on this worker process's one event loop, with the database connected."""
    global _loop, _db_ready
    with _loop_turn:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            _db_ready = False
        if not _db_ready:
            from hotline.db import init_db

            _loop.run_until_complete(init_db(get_settings()))
            _db_ready = True
        return _loop.run_until_complete(coro)


@worker_process_shutdown.connect  # prefork children
@worker_shutdown.connect  # the solo pool runs tasks in the main process
def _close_db(**_: Any) -> None:
    # An open aiosqlite connection is a non-daemon thread: without this the process never exits.
    global _db_ready
    with _loop_turn:
        if _loop is not None and _db_ready:
            from hotline.db import close_db

            _loop.run_until_complete(close_db())
            _db_ready = False


def hotline_task(
    name: str, *, max_retries: int | None = 5, **options: Any
) -> Callable[[Callable[P, Coroutine[Any, Any, R]]], Task]:
    """The house task decorator: an async function becomes a named, late-acknowledged task.

    Tasks take ids and reload what they need (never model instances or secrets), so running one
    twice is safe; a retriable failure is retried with exponential back-off.
    """

    def wrap(func: Callable[P, Coroutine[Any, Any, R]]) -> Task:
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            return run_async(func(*args, **kwargs))

        run.__name__ = func.__name__
        run.__doc__ = func.__doc__
        task: Task = app.task(
            name=name,
            acks_late=True,
            max_retries=max_retries,
            retry_backoff=True,
            retry_backoff_max=600,
            retry_jitter=True,
            **options,
        )(run)
        return task

    return wrap


def ping_broker(settings: Settings) -> None:
    """Raise unless the broker accepts a connection (used by /readyz)."""
    config = celery_config(settings)
    with Connection(
        config["broker_url"],
        transport_options=config.get("broker_transport_options", {}),
        connect_timeout=2,
    ) as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
