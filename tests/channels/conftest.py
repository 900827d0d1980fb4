"""Fixtures of the channel tests: settings with the WeChat channel on, the fake WeChat API,
the app served by a real uvicorn on 127.0.0.1, and a way to run the jobs the webhook queued."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from tortoise import Tortoise

from api.app import create_app
from channels.wechat_oa import background
from channels.wechat_oa.client import WechatApi
from channels.wechat_oa.config import wechat_config
from channels.wechat_oa.outbound import WechatSender
from channels.wechat_oa.transcribe import Transcriber
from hotline.settings import Settings
from intake.config import intake_config
from tests.channels.fake_wechat import FakeWechat
from tests.channels.wx import AES_KEY, APP_ID, APP_SECRET, OLD_AES_KEY, TOKEN, Wechat
from tests.conftest import POSTGRES_URL, make_settings
from tests.inprocess import serve, take_queued

_WECHAT_TABLES = ("wechat_user", "wechat_media", "wechat_delivery", "wechat_access_token")


@pytest.fixture(scope="session", autouse=True)
def _celery_configured_away_from_cwd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The Celery app configures itself once from the environment; point that at a temporary
    folder so publishing from tests never creates data/ in the working directory."""
    from hotline.celery_app import app
    from hotline.settings import reset_settings_cache

    previous = os.environ.get("HOTLINE_DATA_DIR")
    os.environ["HOTLINE_DATA_DIR"] = str(tmp_path_factory.mktemp("celery-env"))
    reset_settings_cache()
    try:
        assert app.conf.task_default_queue == "hotline"
    finally:
        if previous is None:
            os.environ.pop("HOTLINE_DATA_DIR", None)
        else:
            os.environ["HOTLINE_DATA_DIR"] = previous
        reset_settings_cache()
    yield


@pytest.fixture
def fake_wechat() -> Iterator[FakeWechat]:
    fake = FakeWechat(app_id=APP_ID, secret=APP_SECRET).start()
    try:
        yield fake
    finally:
        fake.stop()


def wechat_settings(data_dir: Path, fake: FakeWechat, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "broker_url": "",  # each test's own embedded broker: queued jobs cannot leak between tests
        "wechat_enabled": True,
        "wechat_token": TOKEN,
        "wechat_app_id": APP_ID,
        "wechat_app_secret": APP_SECRET,
        "wechat_encoding_aes_key": AES_KEY,
        "wechat_previous_encoding_aes_key": OLD_AES_KEY,
        "wechat_api_base": fake.base_url,
        "wechat_api_timeout_seconds": 2.0,
        "wechat_template_accepted": "TPL_ACCEPTED",
        "wechat_template_replied": "TPL_REPLIED",
        "wechat_template_closed": "TPL_CLOSED",
        "wechat_scene_regions": "hotline_poster_07=XM",
        "public_base_url": "https://hotline.example.gov.cn",
    }
    values.update(overrides)
    return make_settings(data_dir, **values)


@pytest.fixture
def wx_settings(settings: Settings, fake_wechat: FakeWechat) -> Settings:
    return wechat_settings(settings.data_dir, fake_wechat)


@pytest.fixture
async def wx_db(db: None, wx_settings: Settings) -> AsyncIterator[None]:
    """The test database, with the channel tables emptied too on PostgreSQL."""
    if POSTGRES_URL:
        await Tortoise.get_connection("default").execute_script(
            f"TRUNCATE {', '.join(_WECHAT_TABLES)} RESTART IDENTITY CASCADE;"
        )
    yield


@pytest.fixture
async def server_url(wx_db: None, wx_settings: Settings) -> AsyncIterator[str]:
    url, stop = await serve(create_app(wx_settings, manage_db=False))
    try:
        yield url
    finally:
        await stop()


@pytest.fixture
async def wechat(server_url: str) -> AsyncIterator[Wechat]:
    client = Wechat(server_url)
    try:
        yield client
    finally:
        await client.aclose()


class ScriptedTranscriber:
    """Stands in for an ASR engine: proves the audio is a real AMR recording by decoding it
    with sox, then returns the words the test says were spoken."""

    def __init__(self, words: str) -> None:
        self.words = words
        self.heard: list[float] = []

    async def transcribe(self, audio: bytes, *, audio_format: str) -> str:
        assert audio_format == "amr" and audio.startswith(b"#!AMR\n")
        process = await asyncio.create_subprocess_exec(
            "sox",
            "-t",
            "amr-nb",
            "-",
            "-n",
            "stat",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _, report = await process.communicate(audio)
        assert process.returncode == 0, report
        length = re.search(rb"Length \(seconds\):\s+([0-9.]+)", report)
        assert length is not None, report
        self.heard.append(float(length.group(1)))
        return self.words


JobRunner = Callable[..., Awaitable[list[str]]]


@pytest.fixture
def run_jobs(wx_settings: Settings) -> JobRunner:
    """Run every job the webhook queued on the broker, in-process, as the worker would (the
    task bodies in ``background`` with the worker's dependencies); returns the task names."""

    async def run(transcriber: Transcriber | None = None) -> list[str]:
        ran: list[str] = []
        while jobs := await asyncio.to_thread(take_queued, wx_settings):
            async with WechatApi(wechat_config(wx_settings)) as api:
                sender = WechatSender(api, api.config)
                intake = intake_config(wx_settings)
                for name, kwargs in jobs:
                    ran.append(name)
                    if name == "wechat.fetch_media":
                        await background.fetch_media(api=api, settings=wx_settings, **kwargs)
                    elif name == "wechat.transcribe_voice":
                        assert transcriber is not None, "a voice job needs a transcriber"
                        await background.transcribe_voice(
                            api=api,
                            sender=sender,
                            transcriber=transcriber,
                            settings=wx_settings,
                            intake=intake,
                            **kwargs,
                        )
                    elif name == "wechat.reply_later":
                        await background.reply_later(sender=sender, intake=intake, **kwargs)
                    else:
                        raise AssertionError(f"unexpected job {name}")
        return ran

    return run


@pytest.fixture(scope="session")
def amr_voice(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real AMR-NB recording of Chinese speech, made with espeak-ng and sox."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"needs {missing}: apt-get install -y espeak-ng sox libsox-fmt-all libopencore-amrnb0"
        )
    folder = tmp_path_factory.mktemp("voice")
    wav, amr = folder / "speech.wav", folder / "speech.amr"
    subprocess.run(
        ["espeak-ng", "-v", "cmn", "-w", str(wav), "我要投诉楼下餐馆夜间噪音扰民"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["sox", str(wav), "-r", "8000", "-c", "1", "-t", "amr-nb", str(amr)],
        check=True,
        capture_output=True,
    )
    data = amr.read_bytes()
    assert data.startswith(b"#!AMR\n") and len(data) > 1000
    return data
