"""A citizen's voice message on a chat channel: stored, transcribed by the worker, and the
words continue their conversation (the recording attached); refused audio asks for text."""

from __future__ import annotations

import pytest

from channels import voice_intake
from channels.voice_models import VoiceTranscript
from hotline.settings import Settings
from intake.config import IntakeConfig
from intake.models import Conversation, InboundMessage
from intake.storage import storage_for
from tests.voice.conftest import Speech

COMPLAINT = "我要投诉楼下餐馆夜间噪音扰民，每天晚上十二点以后还在营业，地址在五一北路88号"


async def _stored(settings: Settings, key: str, data: bytes) -> None:
    await storage_for(settings).put(key=key, data=data, content_type="audio/amr")


@pytest.fixture
def chat_settings(voice_settings: Settings) -> Settings:
    return voice_settings


async def test_voice_message_continues_the_conversation(
    voice_db: None, chat_settings: Settings, config: IntakeConfig, speech: Speech, scripted
):
    engine = scripted(COMPLAINT)
    await _stored(chat_settings, "telegram/2026/11/v1.amr", speech("我要投诉噪音", "amr"))
    row = await voice_intake.register_recording(
        channel="telegram", sender="tg-42", external_id="update:9001", ref="telegram/2026/11/v1.amr"
    )
    again = await voice_intake.register_recording(
        channel="telegram", sender="tg-42", external_id="update:9001", ref="telegram/2026/11/v1.amr"
    )
    assert again.id == row.id
    result = await voice_intake.continue_conversation(
        transcript_id=row.id, settings=chat_settings, config=config
    )
    assert any("手机号码" in reply.text for reply in result.replies), result.replies
    stored = await VoiceTranscript.get(id=row.id)
    assert stored.status == "done" and stored.transcript == COMPLAINT
    assert stored.confidence == 0.9 and stored.content_type == "audio/amr"
    conversation = await Conversation.get(channel="telegram", sender="tg-42")
    assert conversation.slots["attachments"][0]["ref"] == "telegram/2026/11/v1.amr"
    # The task run twice (a redelivery): one transcription, the same stored replies.
    repeat = await voice_intake.continue_conversation(
        transcript_id=row.id, settings=chat_settings, config=config
    )
    assert repeat.duplicate and len(engine.heard) == 1
    assert await InboundMessage.filter(channel="telegram", external_id="update:9001").count() == 1


async def test_with_the_real_engine_the_words_reach_the_dialogue(
    voice_db: None, chat_settings: Settings, config: IntakeConfig, speech: Speech
):
    await _stored(chat_settings, "wechat/2026/11/v2.silk", speech("发生车祸了，有人受伤", "silk"))
    row = await voice_intake.register_recording(
        channel="wechat", sender="oCitizen2", external_id="7002", ref="wechat/2026/11/v2.silk"
    )
    result = await voice_intake.continue_conversation(
        transcript_id=row.id, settings=chat_settings, config=config
    )
    stored = await VoiceTranscript.get(id=row.id)
    assert stored.status == "done" and stored.engine == "whisper" and stored.transcript
    assert result.replies  # the dialogue answered the words, whatever it made of them
    record = await InboundMessage.get(channel="wechat", external_id="7002")
    assert record.text == stored.transcript


async def test_refused_audio_still_reaches_the_dialogue_which_asks_for_words(
    voice_db: None, chat_settings: Settings, config: IntakeConfig
):
    await _stored(chat_settings, "app/2026/11/v3.amr", b"GIF89a not audio at all")
    row = await voice_intake.register_recording(
        channel="app", sender="c-7", external_id="m-3", ref="app/2026/11/v3.amr"
    )
    result = await voice_intake.continue_conversation(
        transcript_id=row.id, settings=chat_settings, config=config
    )
    stored = await VoiceTranscript.get(id=row.id)
    assert stored.status == "failed" and "unsupported" in stored.error
    assert result.replies and "文字" in result.replies[0].text


async def test_recordings_uploaded_with_a_ticket_become_a_note(
    voice_db: None, chat_settings: Settings, config: IntakeConfig, now, speech: Speech, scripted
):
    from intake.mobile_models import MediaUpload
    from intake.models import Citizen, TicketEvent
    from tests.factories import ticket as make_ticket

    scripted("楼道里的灯坏了好几天了")
    citizen = await Citizen.create()
    created = await make_ticket(config, now=now, citizen=citizen)
    data = speech("路灯坏了", "m4a")
    await storage_for(chat_settings).put(key="mobile/2026/11/a1.m4a", data=data, content_type="")
    upload = await MediaUpload.create(
        citizen=citizen,
        ref="mobile/2026/11/a1.m4a",
        storage="local",
        kind="audio",
        content_type="audio/mp4",
        size=len(data),
        sha256="0" * 64,
        ticket=created.ticket,
        transcript_status="pending",
    )
    assert await voice_intake.transcribe_ticket_uploads(settings=chat_settings) == 1
    await upload.refresh_from_db()
    assert upload.transcript_status == "done" and upload.transcript == "楼道里的灯坏了好几天了"
    note = await TicketEvent.get(ticket=created.ticket, action="voice_transcript")
    assert note.internal_note.endswith("楼道里的灯坏了好几天了") and "0.90" in note.internal_note
    assert note.public_note == ""  # staff read it; the citizen's timeline is unchanged


async def test_the_sweep_finds_work_whose_job_was_lost(voice_db: None, chat_settings: Settings):
    from datetime import UTC, datetime, timedelta

    from channels import voice_sweep
    from channels.voice_models import CallRecording

    row = await voice_intake.register_recording(
        channel="wechat",
        sender="o1",
        external_id="lost-1",
        ref="wechat/x.amr",
        reply_task="wechat.reply_voice",
    )
    call = await CallRecording.create(call_id="LOST-1", ref="phone/x.amr")
    assert await voice_sweep.stale_work(now=datetime.now(UTC)) == []  # just queued: not lost
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert await voice_sweep.stale_work(now=later) == [
        ("voice.transcribe_message", {"transcript_id": row.id}),
        ("voice.transcribe_call", {"recording_id": call.id}),
    ]


async def test_the_sweep_sends_again_a_reply_never_handed_to_the_channel(
    voice_db: None, chat_settings: Settings
):
    from datetime import UTC, datetime, timedelta

    from channels import voice_sweep

    async def transcribed(external_id: str, reply_task: str = "app.reply_voice"):
        row = await voice_intake.register_recording(
            channel="app",
            sender="u1",
            external_id=external_id,
            ref=f"app/{external_id}.amr",
            reply_task=reply_task,
        )
        await VoiceTranscript.filter(id=row.id).update(status="done", transcript="路灯坏了")
        return row

    unanswered = await transcribed("v1")
    answered = await transcribed("v2")
    await voice_intake.mark_replied(answered)
    await transcribed("v3", reply_task="")  # a channel that sends its replies itself
    later = datetime.now(UTC) + timedelta(minutes=10)
    reply = ("app.reply_voice", {"channel": "app", "sender": "u1", "external_id": "v1"})
    assert await voice_sweep.stale_work(now=later) == [reply]
    # Handed out: not again while that reply may be under way, but again after it.
    assert await voice_sweep.stale_work(now=later + timedelta(minutes=1)) == []
    assert await voice_sweep.stale_work(now=later + timedelta(minutes=6)) == [reply]
    # A day on, a reply would answer nothing (and a task that cannot run is not queued forever).
    assert await voice_sweep.stale_work(now=later + timedelta(days=2)) == []
    await voice_intake.mark_replied(unanswered)
    assert await voice_sweep.stale_work(now=later + timedelta(minutes=20)) == []


async def test_the_transcribed_turn_is_received_in_the_senders_language(voice_db: None):
    row = await voice_intake.register_recording(
        channel="app", sender="u2", external_id="v9", ref="app/v9.amr", language="en-US"
    )
    default = await voice_intake.register_recording(
        channel="app", sender="u2", external_id="v10", ref="app/v10.amr"
    )
    assert voice_intake.message_of(row).language == "en-US"
    assert voice_intake.message_of(default).language == "zh-CN"
