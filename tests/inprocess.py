"""The service inside the test's own event loop: the API on a real port, and the jobs it
published on the test's embedded broker."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from kombu import Connection, Queue

from hotline.celery_app import celery_config
from hotline.settings import Settings


async def serve(app: Any) -> tuple[str, Callable[[], Awaitable[None]]]:
    """Serve ``app`` with uvicorn on a free 127.0.0.1 port in this event loop; its URL and a
    coroutine function that stops it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)

    async def stop() -> None:
        server.should_exit = True
        await task
        sock.close()

    return f"http://127.0.0.1:{port}", stop


def take_queued(settings: Settings) -> list[tuple[str, dict[str, Any]]]:
    """Every job waiting on the settings' embedded broker, acknowledged: (task name, kwargs)."""
    config = celery_config(settings)
    options = dict(config.get("broker_transport_options", {}))
    options["control_folder"] = str(settings.broker_dir / "control")
    taken = []
    with (
        Connection(config["broker_url"], transport_options=options) as connection,
        connection.SimpleQueue(Queue("hotline")) as simple,
    ):
        while True:
            try:
                message = simple.get(timeout=0.05)
            except simple.Empty:
                return taken
            args, kwargs, _ = message.payload
            assert not args, "tasks take keyword arguments only"
            taken.append((message.headers["task"], kwargs))
            message.ack()
