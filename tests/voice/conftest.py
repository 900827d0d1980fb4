"""Fixtures of the voice tests: Mandarin speech made here (espeak-ng) in every inbound format,
settings with the phone channel on, a signed client for the call-centre platform, and the
voice tables emptied on PostgreSQL.

espeak-ng's Mandarin is robotic and Whisper *base* hears it poorly (CER 0.5-1.0 on such
clips, see docs/benchmarks.md), so real-engine tests assert a loose CER bound or the shape of
the result; flows that need particular words (an emergency) use ``ScriptedEngine``, which
still receives the really decoded audio.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from tortoise import Tortoise

from api.app import create_app
from channels.voice_sign import sign
from hotline.settings import Settings
from tests.conftest import POSTGRES_URL, make_settings
from voice import asr, silk
from voice.asr import Transcript
from voice.audio import Pcm, read_wav

TOOLS = ("espeak-ng", "sox", "ffmpeg")
VOICE = "cmn-latn-pinyin"
CALL_SECRET = "call-centre-shared-secret-0123456789abcdef"
_VOICE_TABLES = ("voice_transcript", "call_recording", "call_record", "call_task")


def _require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:  # a failure, not a skip: CI installs them from .ci/apt-packages.txt
        pytest.fail(f"voice tests need {missing}: apt-get install -y $(cat .ci/apt-packages.txt)")


def _run(command: list[str], data: bytes) -> bytes:
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout


def encode(wav: bytes, fmt: str) -> bytes:
    """A WAV file converted to one of the formats citizens and the call centre send."""
    ff = ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", "pipe:0"]
    if fmt == "wav":
        return wav
    if fmt == "amr":  # WeChat voice; Debian's ffmpeg has no AMR encoder, sox does
        # -R: sox dithers with a random seed otherwise, and every run would hear other noise
        return _run(
            ["sox", "-R", "-t", "wav", "-", "-r", "8000", "-c", "1", "-t", "amr-nb", "-"], wav
        )
    if fmt == "silk":
        pcm = read_wav(_run([*ff, "-ar", "24000", "-ac", "1", "-f", "wav", "pipe:1"], wav))
        return silk.encode(pcm, tencent=True)
    if fmt == "mp3":
        return _run([*ff, "-ar", "16000", "-ac", "1", "-b:a", "32k", "-f", "mp3", "pipe:1"], wav)
    if fmt == "m4a":
        with_file = ["-ar", "16000", "-ac", "1", "-c:a", "aac", "-b:a", "48k", "-f", "ipod"]
        return _run([*ff, *with_file, "-movflags", "frag_keyframe+empty_moov", "pipe:1"], wav)
    if fmt == "tel8k":  # the call centre's 8 kHz telephone WAV
        return _run(
            [*ff, "-ar", "8000", "-ac", "1", "-acodec", "pcm_s16le", "-f", "wav", "pipe:1"], wav
        )
    raise ValueError(fmt)


Speech = Callable[[str, str], bytes]


@pytest.fixture(scope="session")
def speech() -> Speech:
    """``speech(text, fmt)``: Mandarin spoken by espeak-ng, in ``fmt``; cached per session."""
    _require_tools()
    cache: dict[tuple[str, str], bytes] = {}

    def make(text: str, fmt: str = "wav") -> bytes:
        if (text, fmt) not in cache:
            wav = _run(["espeak-ng", "-v", VOICE, "-s", "150", "--stdout", text], b"")
            cache[(text, fmt)] = encode(wav, fmt)
        return cache[(text, fmt)]

    return make


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate over letters and digits (punctuation and spaces ignored)."""
    ref = [c for c in reference if c.isalnum()]
    hyp = [c for c in hypothesis if c.isalnum()]
    row = list(range(len(hyp) + 1))
    for i, rc in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, hc in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (rc != hc))
    return row[len(hyp)] / max(len(ref), 1)


@dataclass
class ScriptedEngine:
    """Stands in for the ASR model where a test needs particular words: the audio it gets is
    really decoded (its duration is recorded), the words are the test's."""

    words: str
    confidence: float = 0.9
    heard: list[float] = field(default_factory=list)
    languages: list[str | None] = field(default_factory=list)
    name: str = "scripted"

    def transcribe(self, pcm: Pcm, language: str | None = "zh") -> Transcript:
        assert pcm.rate == 16_000
        self.heard.append(pcm.duration)
        self.languages.append(language)
        return Transcript(self.words, self.confidence, pcm.duration, self.name)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], ScriptedEngine]:
    """``scripted(words)`` makes every ``engine_for`` call return a ScriptedEngine."""

    def install(words: str) -> ScriptedEngine:
        engine = ScriptedEngine(words)
        monkeypatch.setattr(asr, "engine_for", lambda settings: engine)
        return engine

    return install


@pytest.fixture
def voice_settings(settings: Settings) -> Settings:
    return make_settings(
        settings.data_dir,
        broker_url="",  # each test's own embedded broker: queued jobs stay in the test
        voice_call_enabled=True,
        voice_call_secret=CALL_SECRET,
        public_base_url="https://hotline.example.gov.cn",
    )


@pytest.fixture
async def voice_db(db: None) -> AsyncIterator[None]:
    if POSTGRES_URL:
        await Tortoise.get_connection("default").execute_script(
            f"TRUNCATE {', '.join(_VOICE_TABLES)} RESTART IDENTITY CASCADE;"
        )
    yield


class Platform:
    """The call-centre platform: signs every request with the shared secret."""

    def __init__(self, http: httpx.AsyncClient, secret: str = CALL_SECRET) -> None:
        self.http, self.secret = http, secret

    async def request(
        self, method: str, url: str, *, stamp: float | None = None, **kwargs: Any
    ) -> httpx.Response:
        request = self.http.build_request(method, url, **kwargs)
        body = request.read()
        timestamp = str(int(stamp if stamp is not None else time.time()))
        path = request.url.raw_path.decode()
        request.headers["x-hotline-timestamp"] = timestamp
        request.headers["x-hotline-signature"] = sign(
            secret=self.secret, timestamp=timestamp, method=method, path=path, body=body
        )
        return await self.http.send(request)

    async def post_recording(
        self,
        call_id: str,
        audio: bytes,
        *,
        caller: str = "13800138000",
        agent_id: str = "operator1",
    ) -> httpx.Response:
        return await self.request(
            "POST",
            "/channels/voice/recordings",
            data={"call_id": call_id, "caller": caller, "agent_id": agent_id},
            files={"recording": ("r.bin", io.BytesIO(audio), "application/octet-stream")},
        )


@pytest.fixture
async def http(voice_db: None, voice_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(voice_settings, manage_db=False)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def platform(http: httpx.AsyncClient) -> Platform:
    return Platform(http)


@pytest.fixture(scope="session", autouse=True)
def _celery_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Celery configures itself once from the environment: keep that away from ./data."""
    from hotline.celery_app import app
    from hotline.settings import reset_settings_cache

    previous = os.environ.get("HOTLINE_DATA_DIR")
    os.environ["HOTLINE_DATA_DIR"] = str(tmp_path_factory.mktemp("voice-celery-env"))
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
