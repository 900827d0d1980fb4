"""Photos: the update is answered from the worker, the file is fetched by getFile in a job of
its own, kept in the media storage, and carried by the ticket. (Voice notes:
test_telegram_voice.py.)"""

from __future__ import annotations

import re

import httpx

from channels.telegram.models import TelegramMedia
from intake.models import Conversation, Ticket
from intake.storage import storage_for
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
    assert await storage_for(tg_settings, row.storage).get(key=row.ref) == JPEG

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
