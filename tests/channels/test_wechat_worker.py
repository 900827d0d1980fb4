"""The real thing end to end: the webhook served by uvicorn queues jobs on the embedded broker,
a real Celery worker process (``hotline worker``) runs them against the fake WeChat API."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from channels.models import WechatMedia
from hotline.settings import Settings
from tests.channels.fake_wechat import FakeWechat
from tests.channels.wx import APP_ID, TOKEN, Wechat, cdata, push_xml
from tests.conftest import POSTGRES_URL

OPENID = "oCitizenWorker00000000000001"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"


@pytest.fixture
def worker(wx_settings: Settings, fake_wechat: FakeWechat) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "HOTLINE_DATA_DIR": str(wx_settings.data_dir),
        "HOTLINE_DATABASE_URL": POSTGRES_URL,
        "HOTLINE_BROKER_URL": "",
        "HOTLINE_SECRET_KEY": wx_settings.secret_key,
        "HOTLINE_WECHAT_ENABLED": "true",
        "HOTLINE_WECHAT_TOKEN": TOKEN,
        "HOTLINE_WECHAT_APP_ID": APP_ID,
        "HOTLINE_WECHAT_APP_SECRET": wx_settings.wechat_app_secret,
        "HOTLINE_WECHAT_API_BASE": fake_wechat.base_url,
        "HOTLINE_VOICE_ASR_ENGINE": "none",  # no model in tests: the fallback path
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "hotline", "worker", "--pool=solo", "--concurrency=1"],
        env=env,
        cwd=wx_settings.data_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def eventually(check, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "the worker did not get there in time"
        await asyncio.sleep(0.2)


async def test_worker_fetches_a_photo_and_answers_a_voice_message(
    wechat: Wechat, fake_wechat: FakeWechat, worker: subprocess.Popen[bytes]
):
    fake_wechat.media["WORKER-PHOTO"] = (JPEG, "image/jpeg")
    fake_wechat.media["WORKER-VOICE"] = (b"#!AMR\n" + b"\x3c" * 320, "audio/amr")
    await wechat.push(push_xml(OPENID, "image", cdata("MediaId", "WORKER-PHOTO")))
    voice = push_xml(OPENID, "voice", cdata("MediaId", "WORKER-VOICE"), cdata("Format", "amr"))
    assert "正在为您识别" in wechat.read(await wechat.push(voice))

    async def photo_stored() -> bool:
        return (await WechatMedia.get(media_id="WORKER-PHOTO")).status == "stored"

    async def voice_answered() -> bool:
        assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
        return bool(fake_wechat.texts_to(OPENID))

    await eventually(photo_stored)
    await eventually(voice_answered)
    # Speech recognition is off: the recording is kept with the request and the citizen is
    # asked, by customer-service message, to describe it in words.
    assert fake_wechat.texts_to(OPENID) == [
        "已收到您发送的语音。请再用文字简单描述一下遇到的问题和发生的地点。"
    ]
