"""Voice messages (with and without WeChat's Recognition) and photos: the webhook answers at
once, the worker fetches media from the (fake) WeChat API, transcribes, and the conversation goes
on by customer-service message."""

from __future__ import annotations

import re

import pytest

from channels.models import WechatMedia
from channels.wechat_oa import background
from channels.wechat_oa.client import WechatApi
from channels.wechat_oa.config import wechat_config
from channels.wechat_oa.errors import RetriableWechatError
from channels.wechat_oa.transcribe import NoTranscriber, TranscriptionFailed, transcriber_for
from intake.models import Conversation, Ticket
from intake.storage import storage_for
from tests.channels.conftest import JobRunner, ScriptedTranscriber
from tests.channels.fake_wechat import FakeWechat
from tests.channels.wx import Wechat, cdata, push_xml

NUMBER = re.compile(r"[A-Z]{2}\d{14}")
OPENID = "oCitizenVoice000000000000001"
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 64
    + (b"\xff\xd9")
)
COMPLAINT = "我要投诉楼下餐馆夜间噪音扰民，每天晚上十二点以后还在营业，地址在五一北路88号"


async def stored_bytes(settings, ref: str) -> bytes:
    """What a staff member opening the attachment would get."""
    return await storage_for(settings).get(key=ref)


def voice_xml(media_id: str, *, recognition: str | None = None, msg_id: int | None = None) -> str:
    fields = [cdata("MediaId", media_id), cdata("Format", "amr")]
    if recognition is not None:
        fields.append(cdata("Recognition", recognition))
    return push_xml(OPENID, "voice", *fields, msg_id=msg_id)


async def test_voice_with_recognition_is_answered_at_once_and_the_recording_kept(
    wechat: Wechat, fake_wechat: FakeWechat, run_jobs: JobRunner, amr_voice: bytes, wx_settings
):
    fake_wechat.media["VOICE-1"] = (amr_voice, "audio/amr")
    answer = wechat.read(await wechat.push(voice_xml("VOICE-1", recognition=COMPLAINT)))
    assert "手机号码" in answer  # the dialogue went on from WeChat's own transcript
    assert await run_jobs() == ["wechat.fetch_media"]
    row = await WechatMedia.get(media_id="VOICE-1")
    assert row.status == "stored" and row.content_type == "audio/amr"
    assert await stored_bytes(wx_settings, row.ref) == amr_voice
    conversation = await Conversation.get(channel="wechat", sender=OPENID)
    assert conversation.slots["attachments"][0]["ref"] == row.ref


async def test_voice_without_recognition_is_transcribed_and_the_conversation_continues(
    wechat: Wechat, fake_wechat: FakeWechat, run_jobs: JobRunner, amr_voice: bytes, wx_settings
):
    fake_wechat.media["VOICE-2"] = (amr_voice, "audio/amr")
    push = voice_xml("VOICE-2", msg_id=7001)
    assert "正在为您识别" in wechat.read(await wechat.push(push))
    assert "正在为您识别" in wechat.read(await wechat.push(push))  # WeChat's retry: same answer
    transcriber = ScriptedTranscriber(COMPLAINT)
    ran = await run_jobs(transcriber)
    assert ran == ["wechat.transcribe_voice", "wechat.transcribe_voice"]  # both safe to run
    assert transcriber.heard and transcriber.heard[0] > 1.0  # seconds of real speech
    texts = fake_wechat.texts_to(OPENID)
    assert len(texts) == 1 and "手机号码" in texts[0]  # one answer, by customer service
    assert fake_wechat.media_requests == ["VOICE-2"]  # fetched once
    confirmation = await wechat.say(OPENID, "13800138000")
    assert "噪音" in confirmation and "请核对" in confirmation
    done = await wechat.say(OPENID, "确认")
    ticket = await Ticket.get(number=NUMBER.search(done).group(0))  # type: ignore[union-attr]
    assert ticket.attachments[0]["kind"] == "audio"
    assert await stored_bytes(wx_settings, ticket.attachments[0]["ref"]) == amr_voice


async def test_voice_without_any_engine_keeps_the_recording_and_asks_for_words(
    wechat: Wechat, fake_wechat: FakeWechat, run_jobs: JobRunner, amr_voice: bytes
):
    fake_wechat.media["VOICE-3"] = (amr_voice, "audio/amr")
    await wechat.push(voice_xml("VOICE-3"))
    await run_jobs(NoTranscriber())
    assert fake_wechat.texts_to(OPENID) == [
        "已收到您发送的语音。请再用文字简单描述一下遇到的问题和发生的地点。"
    ]


async def test_voice_that_cannot_be_fetched_asks_the_citizen_to_type(
    wechat: Wechat, fake_wechat: FakeWechat, run_jobs: JobRunner
):
    await wechat.push(voice_xml("EXPIRED-MEDIA"))  # the fake answers 40007 invalid media_id
    await run_jobs(ScriptedTranscriber("never used"))
    assert (await WechatMedia.get(media_id="EXPIRED-MEDIA")).status == "failed"
    texts = fake_wechat.texts_to(OPENID)
    assert len(texts) == 1 and "改用文字描述" in texts[0]


async def test_photo_is_attached_to_the_request_being_filed(
    wechat: Wechat, fake_wechat: FakeWechat, run_jobs: JobRunner, wx_settings
):
    fake_wechat.media["PHOTO-1"] = (JPEG, "image/jpeg")
    await wechat.say(OPENID, "投诉湖东路88号楼下烧烤店油烟太大，我的电话13912345678")
    photo = push_xml(
        OPENID, "image", cdata("PicUrl", "http://mmbiz.qpic.cn/x/0"), cdata("MediaId", "PHOTO-1")
    )
    answer = wechat.read(await wechat.push(photo))
    assert "已收到您发送的图片，将一并提交" in answer and "请核对" in answer
    assert await run_jobs() == ["wechat.fetch_media"]
    done = await wechat.say(OPENID, "确认")
    ticket = await Ticket.get(number=NUMBER.search(done).group(0))  # type: ignore[union-attr]
    assert [a["kind"] for a in ticket.attachments] == ["image"]
    assert await stored_bytes(wx_settings, ticket.attachments[0]["ref"]) == JPEG


async def test_media_fetch_retries_on_a_gateway_error_and_refuses_wrong_types(
    wechat: Wechat, fake_wechat: FakeWechat, run_jobs: JobRunner, wx_settings
):
    fake_wechat.media["PHOTO-2"] = (JPEG, "image/jpeg")
    fake_wechat.media["NOT-A-PHOTO"] = (b"<html>definitely not a picture</html>", "image/jpeg")
    fake_wechat.fail("/cgi-bin/media/get", status=502)
    await wechat.push(push_xml(OPENID, "image", cdata("MediaId", "PHOTO-2")))
    with pytest.raises(RetriableWechatError):  # the worker retries this task with back-off
        await run_jobs()
    row = await WechatMedia.get(media_id="PHOTO-2")
    assert row.status == "pending"
    async with WechatApi(wechat_config(wx_settings)) as api:  # Celery's retry of that task
        await background.fetch_media(media_row_id=row.id, api=api, settings=wx_settings)
    assert (await WechatMedia.get(media_id="PHOTO-2")).status == "stored"
    await wechat.push(push_xml(OPENID, "image", cdata("MediaId", "NOT-A-PHOTO")))
    await run_jobs()
    refused = await WechatMedia.get(media_id="NOT-A-PHOTO")
    assert refused.status == "failed" and "not image" in refused.error


async def test_the_voice_package_refusals_become_a_polite_fallback(settings, amr_voice: bytes):
    off = settings.model_copy(update={"voice_asr_engine": "none"})
    with pytest.raises(TranscriptionFailed):
        await transcriber_for(off).transcribe(amr_voice, audio_format="amr")
    with pytest.raises(TranscriptionFailed):  # not audio at all
        await transcriber_for(settings).transcribe(b"<html></html>", audio_format="amr")
