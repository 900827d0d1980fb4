"""Voice survey calls: the survey code creates a call task, the platform pulls it with its
prompt (rendered once by TTS), places the call and posts digits or a recorded answer."""

from __future__ import annotations

import io

import httpx

from channels import voice_survey
from channels.voice_models import CallTask
from hotline.settings import Settings
from intake.catalogue import text
from tests.conftest import TEST_SECRET
from tests.inprocess import take_queued
from tests.voice.conftest import Platform, Speech
from voice.audio import read_wav


async def _task(key: str = "survey:FZ20261127000001:1", **kwargs: object) -> CallTask:
    return await voice_survey.create_call_task(
        dedup_key=key,
        phone="13800138000",
        prompt_text=text("voice.survey_prompt"),
        secret_key=TEST_SECRET,
        ticket_number="FZ20261127000001",
        **kwargs,  # type: ignore[arg-type]
    )


async def test_pending_calls_come_with_a_playable_prompt(
    platform: Platform, http: httpx.AsyncClient
):
    first = await _task()
    assert (await _task()).id == first.id  # asked twice, one call
    listed = await platform.request("GET", "/channels/voice/call-tasks")
    assert listed.status_code == 200, listed.text
    [task] = listed.json()
    assert task["id"] == first.id and task["phone"] == "13800138000" and task["attempt"] == 1
    prefix = "https://hotline.example.gov.cn/channels/voice/prompts/"
    assert task["prompt_url"].startswith(prefix)
    # Handed out once: a second poll does not dial the same citizen again.
    assert (await platform.request("GET", "/channels/voice/call-tasks")).json() == []
    prompt = await http.get(task["prompt_url"].removeprefix("https://hotline.example.gov.cn"))
    assert prompt.status_code == 200 and prompt.headers["content-type"] == "audio/wav"
    pcm = read_wav(prompt.content)
    assert pcm.rate == 8_000 and pcm.duration > 5
    assert (await http.get("/channels/voice/prompts/" + "0" * 32 + ".wav")).status_code == 404


async def test_keypad_answer_is_parsed_and_the_survey_code_told(
    platform: Platform, voice_settings: Settings
):
    task = await _task(on_result="notify.voice_survey_answer")
    await platform.request("GET", "/channels/voice/call-tasks")
    answered = await platform.request(
        "POST",
        f"/channels/voice/call-tasks/{task.id}/result",
        data={"outcome": "answered", "digits": "13"},
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["answer"] == {
        "resolved": True,
        "satisfaction": "dissatisfied",
        "source": "dtmf",
        "comment": "",
    }
    assert take_queued(voice_settings) == [
        ("notify.voice_survey_answer", {"call_task_id": task.id})
    ]


async def test_recorded_answer_is_transcribed_by_the_worker(
    platform: Platform, speech: Speech, voice_settings: Settings, scripted
):
    task = await _task()
    recording = speech("解决了，基本满意", "amr")
    posted = await platform.request(
        "POST",
        f"/channels/voice/call-tasks/{task.id}/result",
        data={"outcome": "answered"},
        files={"recording": ("a.amr", io.BytesIO(recording))},
    )
    assert posted.status_code == 202, posted.text
    [(name, kwargs)] = take_queued(voice_settings)
    assert name == "voice.transcribe_call_answer"
    scripted("解决了，就是不太满意")  # what a citizen said; the real audio is still decoded
    row = await voice_survey.transcribe_answer(
        task_id=kwargs["call_task_id"], settings=voice_settings
    )
    assert row.status == "parsed" and row.transcript == "解决了，就是不太满意"
    assert row.answer == {
        "resolved": True,
        "satisfaction": "dissatisfied",
        "source": "speech",
        "comment": "",
    }


async def test_recorded_answer_with_the_real_engine(
    platform: Platform, speech: Speech, voice_settings: Settings
):
    task = await _task()
    await platform.request(
        "POST",
        f"/channels/voice/call-tasks/{task.id}/result",
        data={"outcome": "answered", "digits": "2"},
        files={"recording": ("a.wav", io.BytesIO(speech("没解决", "tel8k")))},
    )
    row = await voice_survey.transcribe_answer(task_id=task.id, settings=voice_settings)
    assert row.status == "parsed" and row.transcript is not None
    # Whatever robotic Mandarin was heard, the keyed 2 (not solved) stands when words fail.
    assert row.answer["resolved"] is False or row.answer["source"] == "speech"


async def test_unanswered_calls_are_tried_again_then_given_up(platform: Platform):
    task = await _task()
    for attempt in range(1, voice_survey.MAX_ATTEMPTS + 1):
        [listed] = (await platform.request("GET", "/channels/voice/call-tasks")).json()
        assert listed["attempt"] == attempt
        failed = await platform.request(
            "POST", f"/channels/voice/call-tasks/{task.id}/result", data={"outcome": "failed"}
        )
        assert failed.status_code == 200
    assert (await CallTask.get(id=task.id)).status == "failed"
    assert (await platform.request("GET", "/channels/voice/call-tasks")).json() == []
