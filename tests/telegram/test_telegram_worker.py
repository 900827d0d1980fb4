"""Over real HTTP with real processes: ``hotline serve`` (uvicorn on 127.0.0.1) stores each
update and answers at once; a real Celery worker (``hotline worker``) processes the persisted
updates, fetches the photo, honours flood control's retry_after, and replies to the fake Bot
API."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx

from channels.telegram.models import TelegramMedia, TelegramUpdate
from hotline.settings import Settings
from intake.models import Ticket
from tests.e2e.helpers import free_port, service_env, start
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.telegram.tg import SECRET, Person, post

NUMBER = re.compile(r"[A-Z]{2,3}\d{14}")
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 64
    + (b"\xff\xd9")
)


async def _until(
    check: Callable[[], bool],
    *,
    what: str,
    processes: list[subprocess.Popen[bytes]],
    logs: list[Path],
    timeout: float = 60,
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        died = [p for p in processes if p.poll() is not None]
        if died or loop.time() > deadline:
            tails = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
            raise AssertionError(f"waiting for {what}: {'died' if died else 'timed out'}\n{tails}")
        await asyncio.sleep(0.2)


async def test_a_real_worker_processes_persisted_updates(
    tg_db: None, settings: Settings, fake_api: FakeBotApi, tmp_path: Path
):
    env = service_env(
        settings,
        HOTLINE_TELEGRAM_ENABLED="true",
        HOTLINE_TELEGRAM_BOT_TOKEN=TOKEN,
        HOTLINE_TELEGRAM_WEBHOOK_SECRET=SECRET,
        HOTLINE_TELEGRAM_API_BASE=fake_api.base_url,
        HOTLINE_TELEGRAM_API_TIMEOUT_SECONDS="5",
    )
    port = free_port()
    api_log, worker_log = tmp_path / "api.log", tmp_path / "worker.log"
    api = start(["serve", "--port", str(port)], env, api_log)
    worker = start(["worker", "--pool=solo", "--concurrency=1"], env, worker_log)
    processes, logs = [api, worker], [api_log, worker_log]
    url = f"http://127.0.0.1:{port}"
    ye = Person(chat_id=4440001)
    try:
        async with httpx.AsyncClient(timeout=10) as http:

            async def up() -> bool:
                try:
                    return (await http.get(f"{url}/healthz")).status_code == 200
                except httpx.HTTPError:
                    return False

            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while not await up():
                assert api.poll() is None and loop.time() < deadline, api_log.read_text()[-3000:]
                await asyncio.sleep(0.2)

            def replies(n: int) -> Callable[[], bool]:
                return lambda: len(fake_api.texts_to(ye.chat_id)) >= n

            # Flood control on the first reply: the worker retries after retry_after.
            fake_api.fail("sendMessage", status=429, description="Too Many Requests", retry_after=1)
            fake_api.add_file("PHOTO-E2E", JPEG, "photos/e2e.jpg")
            photo = ye.photo(
                "PHOTO-E2E", caption="鼓楼区五一北路88号门口的路灯坏了一个星期，晚上走路很危险"
            )
            response = await post(http, url, photo)
            assert response.status_code == 200 and response.json() == {"ok": True}
            assert await TelegramUpdate.exists(update_id=photo["update_id"])  # stored at once
            await _until(replies(1), what="the first reply", processes=processes, logs=logs)
            assert "手机号码" in fake_api.texts_to(ye.chat_id)[0]
            assert len(fake_api.called("sendMessage")) == 2  # the 429, then the retry

            forged = await post(http, url, ye.text("13800138000"), secret="not-the-secret")
            assert forged.status_code == 403

            await post(http, url, ye.text("13800138000"))
            await _until(replies(2), what="the confirmation", processes=processes, logs=logs)
            confirmation = fake_api.sent_to(ye.chat_id)[-1]
            await post(http, url, ye.tap(confirmation, "确认"))
            await _until(replies(3), what="the ticket number", processes=processes, logs=logs)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
    number = NUMBER.search(fake_api.texts_to(ye.chat_id)[-1])
    assert number, fake_api.texts_to(ye.chat_id)
    ticket = await Ticket.get(number=number.group(0))
    stored = await TelegramMedia.get(file_id="PHOTO-E2E")
    assert stored.status == "stored" and ticket.attachments[0]["ref"] == stored.ref
    assert await TelegramUpdate.filter(status="done").count() == 3  # the forged one never stored
    assert len(fake_api.texts_to(ye.chat_id)) == 3  # nothing sent twice
