"""Photos and voice notes: the update is answered from the worker, the file is fetched by
getFile in a job of its own, stored under data_dir/media, and carried by the ticket."""

from __future__ import annotations

import re
import shutil
import subprocess

import httpx
import pytest

from channels import media as media_store
from channels.telegram.models import TelegramMedia
from intake.models import Conversation, Ticket
from tests.telegram.conftest import JobRunner
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.tg import Person, post

NUMBER = re.compile(r"[A-Z]{2,3}\d{14}")
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 64
    + (b"\xff\xd9")
)
NOISE = "我要投诉楼下餐馆夜间噪音扰民，每天晚上十二点以后还在营业，地址在五一北路88号"


@pytest.fixture(scope="session")
def ogg_voice(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real Telegram-style voice note: Chinese speech (espeak-ng) in OGG/Opus (ffmpeg)."""
    missing = [tool for tool in ("espeak-ng", "ffmpeg") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {missing}: apt-get install -y espeak-ng ffmpeg")
    folder = tmp_path_factory.mktemp("voice")
    wav, ogg = folder / "speech.wav", folder / "speech.ogg"
    subprocess.run(["espeak-ng", "-v", "cmn", "-w", str(wav), NOISE], check=True)
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(wav),
            "-c:a",
            "libopus",
            "-b:a",
            "16k",
            str(ogg),
        ],
        check=True,
    )
    data = ogg.read_bytes()
    assert data.startswith(b"OggS") and b"OpusHead" in data[:64]
    return data


async def _post(http: httpx.AsyncClient, url: str, update: dict) -> None:
    response = await post(http, url, update)
    assert response.status_code == 200, response.text


async def test_a_photo_with_a_caption_is_fetched_and_filed_with_the_ticket(
    server_url: str,
    http: httpx.AsyncClient,
    run_jobs: JobRunner,
    fake_api: FakeBotApi,
    tg_settings,
):
    fang = Person(chat_id=6660001)
    fake_api.add_file("PHOTO-1", JPEG, "photos/file_1.jpg")
    await _post(http, server_url, fang.photo("PHOTO-1", caption=NOISE))
    assert await run_jobs() == ["telegram.process_update", "telegram.fetch_media"]
    assert "手机号码" in fake_api.texts_to(fang.chat_id)[-1]
    # The largest size was chosen, fetched once, and stored as what it really is.
    assert fake_api.called("getFile")[0]["file_id"] == "PHOTO-1"
    assert fake_api.file_requests == ["photos/file_1.jpg"]
    row = await TelegramMedia.get(file_id="PHOTO-1")
    assert row.status == "stored" and row.content_type == "image/jpeg" and row.size == len(JPEG)
    assert media_store.path_of(tg_settings, row.ref).read_bytes() == JPEG

    await _post(http, server_url, fang.text("13800138000"))
    await run_jobs()
    confirmation = fake_api.sent_to(fang.chat_id)[-1]
    await _post(http, server_url, fang.tap(confirmation, "确认"))
    await run_jobs()
    number = NUMBER.search(fake_api.texts_to(fang.chat_id)[-1])
    assert number
    ticket = await Ticket.get(number=number.group(0))
    assert ticket.attachments == [{"kind": "image", "ref": row.ref, "mime_type": "image/jpeg"}]


async def test_a_photo_alone_asks_for_words_and_a_flaky_getfile_is_retried(
    server_url: str, http: httpx.AsyncClient, run_jobs: JobRunner, fake_api: FakeBotApi
):
    liu = Person(chat_id=6660002, language_code="en")
    fake_api.add_file("PHOTO-2", JPEG, "photos/file_2.jpg")
    fake_api.fail("getFile", status=502, description="Bad Gateway")
    await _post(http, server_url, liu.photo("PHOTO-2"))
    ran = await run_jobs()
    assert ran == [
        "telegram.process_update",
        "telegram.fetch_media",
        "retry:telegram.fetch_media",
        "telegram.fetch_media",
    ]
    assert (await TelegramMedia.get(file_id="PHOTO-2")).status == "stored"
    assert "We have received your picture" in fake_api.texts_to(liu.chat_id)[-1]
    conversation = await Conversation.get(channel="telegram", sender=str(liu.chat_id))
    assert conversation.slots["attachments"][0]["kind"] == "image"


async def test_a_picture_that_is_not_one_is_refused_and_marked_failed(
    server_url: str, http: httpx.AsyncClient, run_jobs: JobRunner, fake_api: FakeBotApi
):
    qian = Person(chat_id=6660003)
    fake_api.add_file("PHOTO-3", b"MZ\x90\x00 this is a program", "photos/file_3.jpg")
    await _post(http, server_url, qian.photo("PHOTO-3", caption=NOISE))
    await run_jobs()
    row = await TelegramMedia.get(file_id="PHOTO-3")
    assert row.status == "failed" and "not image" in row.error
    assert "手机号码" in fake_api.texts_to(qian.chat_id)[-1]  # the conversation goes on


async def test_a_voice_note_is_stored_and_the_citizen_asked_to_type(
    server_url: str,
    http: httpx.AsyncClient,
    run_jobs: JobRunner,
    fake_api: FakeBotApi,
    tg_settings,
    ogg_voice: bytes,
):
    zhou = Person(chat_id=6660004)
    fake_api.add_file("VOICE-1", ogg_voice, "voice/file_4.oga")
    update = zhou.voice("VOICE-1")
    await _post(http, server_url, update)
    await _post(http, server_url, update)  # Telegram's retry: queued again, done once
    assert await run_jobs() == [
        "telegram.process_update",
        "telegram.process_update",
        "telegram.fetch_media",
    ]
    assert fake_api.texts_to(zhou.chat_id) == [
        "抱歉，本渠道暂时还不能识别语音消息，您的语音已保存。请改用文字描述您遇到的问题和发生的地点，谢谢您的理解。"
    ]
    row = await TelegramMedia.get(file_id="VOICE-1")
    assert row.kind == "audio" and row.status == "stored" and row.content_type == "audio/ogg"
    assert media_store.path_of(tg_settings, row.ref).read_bytes() == ogg_voice
    # English speakers hear it in English.
    ellen = Person(chat_id=6660005, language_code="en-US")
    fake_api.add_file("VOICE-2", ogg_voice, "voice/file_5.oga")
    await _post(http, server_url, ellen.voice("VOICE-2"))
    await run_jobs()
    assert "cannot understand voice messages yet" in fake_api.texts_to(ellen.chat_id)[-1]
