"""Voice notes: a real OGG/Opus recording posted as Telegram does, answered at once ("being
recognised"), fetched and transcribed by the worker, and the words continue the citizen's
conversation with the recording attached; audio nobody can make out asks them to type.

Mandarin from espeak-ng is poorly heard by Whisper base (see tests/voice/conftest.py), so the
engine here is scripted: it is handed the really decoded recording and answers the test's words.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from kombu.exceptions import OperationalError

from channels import voice_sweep
from channels.jobs import CeleryJobs
from channels.telegram.models import TelegramMedia
from channels.voice_models import VoiceTranscript
from hotline.settings import Settings
from intake.catalogue import text
from intake.models import Ticket
from intake.storage import storage_for
from tests.mobile.fakes import FakeS3
from tests.telegram.conftest import JobRunner, deps_for, telegram_settings
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.tg import Person, post
from voice import asr
from voice.asr import Transcript
from voice.audio import Pcm

NUMBER = re.compile(r"[A-Z]{2,3}\d{14}")
SPOKEN = "我要投诉楼下餐馆夜间噪音扰民，每天晚上十二点以后还在营业，地址在五一北路88号"
RECOGNISING = "已收到您的语音，正在为您识别，请稍候。"
PLEASE_TYPE = "抱歉，未能识别您的语音内容。请您改用文字发送，谢谢您的理解。"


@pytest.fixture(scope="session")
def ogg_voice(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real Telegram-style voice note: Mandarin speech (espeak-ng) in OGG/Opus (ffmpeg)."""
    missing = [tool for tool in ("espeak-ng", "ffmpeg") if shutil.which(tool) is None]
    if missing:  # a failure, not a skip: CI installs them from .ci/apt-packages.txt
        pytest.fail(f"needs {missing}: apt-get install -y $(cat .ci/apt-packages.txt)")
    folder = tmp_path_factory.mktemp("voice")
    wav, ogg = folder / "speech.wav", folder / "speech.ogg"
    subprocess.run(["espeak-ng", "-v", "cmn", "-w", str(wav), SPOKEN], check=True)
    encode = ["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-c:a", "libopus"]
    subprocess.run([*encode, "-b:a", "16k", str(ogg)], check=True)
    data = ogg.read_bytes()
    assert data.startswith(b"OggS") and b"OpusHead" in data[:64]
    return data


@dataclass
class ScriptedEngine:
    """Answers ``words`` for whatever it hears, after the recording was really decoded."""

    words: str
    heard: list[float] = field(default_factory=list)
    languages: list[str | None] = field(default_factory=list)
    name: str = "scripted"

    def transcribe(self, pcm: Pcm, language: str | None = "zh") -> Transcript:
        self.heard.append(pcm.duration)
        self.languages.append(language)
        return Transcript(self.words, 0.9, pcm.duration, self.name)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> ScriptedEngine:
    scripted = ScriptedEngine(SPOKEN)
    monkeypatch.setattr(asr, "engine_for", lambda settings: scripted)
    return scripted


async def _post(http: httpx.AsyncClient, url: str, update: dict) -> None:
    response = await post(http, url, update)
    assert response.status_code == 200, response.text


async def test_a_voice_note_continues_the_filing_to_a_ticket_and_is_handled_once(
    server_url: str,
    http: httpx.AsyncClient,
    run_jobs: JobRunner,
    fake_api: FakeBotApi,
    tg_settings: Settings,
    ogg_voice: bytes,
    engine: ScriptedEngine,
):
    zhou = Person(chat_id=6670001)
    fake_api.add_file("VOICE-1", ogg_voice, "voice/file_1.oga")
    update = zhou.voice("VOICE-1", duration=5)
    await _post(http, server_url, update)
    await _post(http, server_url, update)  # Telegram's retry of the same update
    await run_jobs()

    said = fake_api.texts_to(zhou.chat_id)
    assert said[0] == RECOGNISING
    assert len(said) == 2 and "手机号码" in said[1], said  # the filing asks what comes next
    # Fetched once, heard once: the whole recording, really decoded from Opus.
    assert fake_api.file_requests == ["voice/file_1.oga"]
    assert len(engine.heard) == 1 and engine.heard[0] > 2.0

    # A worker dying mid-task (acks_late) or the sweep runs the voice jobs again: nothing new.
    transcript = await VoiceTranscript.get(channel="telegram")
    jobs = deps_for(tg_settings).jobs
    await jobs.enqueue("voice.transcribe_message", transcript_id=transcript.id)
    await jobs.enqueue(
        "telegram.reply_voice",
        channel="telegram",
        sender=transcript.sender,
        external_id=transcript.external_id,
    )
    await run_jobs()
    assert fake_api.texts_to(zhou.chat_id) == said and len(engine.heard) == 1

    await _post(http, server_url, zhou.text("13800138000"))
    await run_jobs()
    await _post(http, server_url, zhou.tap(fake_api.sent_to(zhou.chat_id)[-1], "确认"))
    await run_jobs()
    number = NUMBER.search(fake_api.texts_to(zhou.chat_id)[-1])
    assert number, fake_api.texts_to(zhou.chat_id)
    ticket = await Ticket.get(number=number.group(0))
    assert "夜间噪音" in ticket.description
    [attachment] = ticket.attachments
    assert attachment["kind"] == "audio" and attachment["mime_type"] == "audio/ogg"
    kept = await storage_for(tg_settings).get(key=attachment["ref"])
    assert kept == ogg_voice  # staff can play the citizen's own recording
    assert await Ticket.filter(description=ticket.description).count() == 1


async def test_audio_nobody_can_make_out_asks_the_citizen_to_type_instead(
    server_url: str,
    http: httpx.AsyncClient,
    run_jobs: JobRunner,
    fake_api: FakeBotApi,
    engine: ScriptedEngine,
):
    # Looks like Ogg to the download check, but no decoder can read it.
    fake_api.add_file("VOICE-2", b"OggS\x00\x02" + bytes(range(256)) * 8, "voice/file_2.oga")
    # Not audio at all: refused when fetched, so there is no recording to hear.
    fake_api.add_file("VOICE-3", b"MZ\x90\x00 this is a program", "voice/file_3.oga")
    wu, ellen = Person(chat_id=6670002), Person(chat_id=6670003, language_code="en-US")
    await _post(http, server_url, wu.voice("VOICE-2"))
    await _post(http, server_url, ellen.voice("VOICE-3"))
    await run_jobs()

    assert fake_api.texts_to(wu.chat_id) == [RECOGNISING, PLEASE_TYPE]
    assert fake_api.texts_to(ellen.chat_id) == [
        "We have received your voice message and are transcribing it. Please wait a moment.",
        "Sorry, we could not make out your voice message. Please type your message instead. "
        "Thank you for your understanding.",
    ]
    assert engine.heard == []  # nothing reached the recogniser
    # Typing instead works: the request is taken up where the voice note failed.
    await _post(http, server_url, wu.text(SPOKEN))
    await run_jobs()
    assert "手机号码" in fake_api.texts_to(wu.chat_id)[-1]


@pytest.fixture
def fake_s3() -> Iterator[FakeS3]:
    fake = FakeS3()
    fake.start()
    yield fake
    fake.stop()


class TestWithS3Storage:
    @pytest.fixture
    def tg_settings(self, settings: Settings, fake_api: FakeBotApi, fake_s3: FakeS3) -> Settings:
        return telegram_settings(
            settings.data_dir,
            fake_api,
            media_storage="s3",
            s3_endpoint_url=fake_s3.base_url,
            s3_bucket=fake_s3.bucket,
            s3_region=fake_s3.region,
            s3_access_key_id=fake_s3.access_key,
            s3_secret_access_key=fake_s3.secret_key,
        )

    async def test_the_recording_is_kept_in_s3_and_transcribed_from_there(
        self,
        server_url: str,
        http: httpx.AsyncClient,
        run_jobs: JobRunner,
        fake_api: FakeBotApi,
        fake_s3: FakeS3,
        tg_settings: Settings,
        ogg_voice: bytes,
        engine: ScriptedEngine,
    ):
        qin = Person(chat_id=6670004)
        fake_api.add_file("VOICE-4", ogg_voice, "voice/file_4.oga")
        await _post(http, server_url, qin.voice("VOICE-4"))
        await run_jobs()

        row = await TelegramMedia.get(file_id="VOICE-4")
        assert fake_s3.objects[row.ref] == (ogg_voice, "audio/ogg")
        assert not (tg_settings.data_dir / "media" / row.ref).exists()
        assert len(engine.heard) == 1 and engine.heard[0] > 2.0
        assert "手机号码" in fake_api.texts_to(qin.chat_id)[-1]


async def test_an_english_client_hears_the_dialogue_in_english_after_a_voice_note(
    server_url: str,
    http: httpx.AsyncClient,
    run_jobs: JobRunner,
    fake_api: FakeBotApi,
    ogg_voice: bytes,
    engine: ScriptedEngine,
):
    emma = Person(chat_id=6670005, language_code="en-GB")
    fake_api.add_file("VOICE-5", ogg_voice, "voice/file_5.oga")
    await _post(http, server_url, emma.voice("VOICE-5"))
    await run_jobs()

    assert len(engine.heard) == 1
    assert engine.languages == [None]  # English or Mandarin: Whisper tells them apart
    assert fake_api.texts_to(emma.chat_id) == [
        "We have received your voice message and are transcribing it. Please wait a moment.",
        text("dialogue.ask_phone", language="en"),
    ]
    # Typing on continues in English: the conversation is the one the voice note began.
    await _post(http, server_url, emma.text("12345"))
    await run_jobs()
    assert fake_api.texts_to(emma.chat_id)[-1] == text("dialogue.invalid_phone", language="en")


async def test_a_reply_whose_publish_failed_reaches_the_citizen_once_by_the_sweep(
    server_url: str,
    http: httpx.AsyncClient,
    run_jobs: JobRunner,
    fake_api: FakeBotApi,
    tg_settings: Settings,
    ogg_voice: bytes,
    engine: ScriptedEngine,
    monkeypatch: pytest.MonkeyPatch,
):
    zheng = Person(chat_id=6670006)
    fake_api.add_file("VOICE-6", ogg_voice, "voice/file_6.oga")
    publish = CeleryJobs._publish
    refused: list[str] = []

    def broker_down_once(self: CeleryJobs, task: str, kwargs: dict) -> None:
        if task == "telegram.reply_voice" and not refused:
            refused.append(task)
            raise OperationalError("broker unreachable")
        publish(self, task, kwargs)

    monkeypatch.setattr(CeleryJobs, "_publish", broker_down_once)
    await _post(http, server_url, zheng.voice("VOICE-6"))
    with pytest.raises(OperationalError):  # voice.transcribe_message fails after the turn
        await run_jobs()
    assert refused == ["telegram.reply_voice"]
    assert fake_api.texts_to(zheng.chat_id) == [RECOGNISING]  # heard, but not answered

    jobs = deps_for(tg_settings).jobs
    now = datetime.now(UTC)
    # The reply may still be on its way: the sweep leaves it alone for a while.
    assert await voice_sweep.requeue(jobs=jobs, now=now) == 0
    assert await voice_sweep.requeue(jobs=jobs, now=now + timedelta(minutes=10)) == 1
    assert await run_jobs() == ["telegram.reply_voice"]
    said = fake_api.texts_to(zheng.chat_id)
    assert len(said) == 2 and said[1] == text("dialogue.ask_phone"), said
    assert len(engine.heard) == 1  # the turn was taken once: its reply was sent, not redone

    # Answered: later sweeps have nothing to send.
    assert await voice_sweep.requeue(jobs=jobs, now=now + timedelta(minutes=30)) == 0
    # A reply task that died after sending, before noting it, is run again and sends nothing.
    await VoiceTranscript.filter(channel="telegram").update(replied_at=None)
    assert await voice_sweep.requeue(jobs=jobs, now=now + timedelta(minutes=40)) == 1
    await run_jobs()
    assert fake_api.texts_to(zheng.chat_id) == said
    # The filing goes on from there.
    await _post(http, server_url, zheng.text("13800138000"))
    await run_jobs()
    assert len(fake_api.texts_to(zheng.chat_id)) == 3
