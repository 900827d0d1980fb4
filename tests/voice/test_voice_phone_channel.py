"""The phone channel over HTTP: the platform posts a signed call recording, gets 202 at once,
the worker's job transcribes and triages it, the platform polls for a transfer instruction,
and the agent confirms the draft into a ticket. Call records feed the answer-rate KPI."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from channels import voice_phone
from channels.voice_models import CallRecording
from hotline.settings import Settings
from intake.models import Ticket, TicketEvent
from tests.factories import staff_user
from tests.inprocess import take_queued
from tests.voice.conftest import Platform, Speech

REPORT = "发生车祸了，有人受伤"


async def _bearer(http: httpx.AsyncClient, username: str = "operator1") -> dict[str, str]:
    await staff_user(username=username, password="pw-operator-123")
    login = await http.post(
        "/api/v1/staff/login", json={"username": username, "password": "pw-operator-123"}
    )
    return {"authorization": f"Bearer {login.json()['access_token']}"}


async def _run_transcription(settings: Settings) -> list[str]:
    jobs = take_queued(settings)
    for name, kwargs in jobs:
        assert name == "voice.transcribe_call"
        await voice_phone.transcribe_recording(settings=settings, **kwargs)
    return [name for name, _ in jobs]


async def test_recording_becomes_a_draft_the_agent_confirms(
    platform: Platform, http: httpx.AsyncClient, speech: Speech, voice_settings: Settings
):
    posted = await platform.post_recording("CALL-1001", speech(REPORT, "tel8k"))
    assert posted.status_code == 202, posted.text
    assert posted.json()["status"] == "received" and posted.json()["transfer"] is None
    # A retry of the same call: the same row, no second recording stored.
    again = await platform.post_recording("CALL-1001", speech(REPORT, "tel8k"))
    assert again.status_code == 200 and await CallRecording.all().count() == 1

    assert await _run_transcription(voice_settings) == ["voice.transcribe_call"] * 2
    polled = await platform.request("GET", "/channels/voice/recordings/CALL-1001?wait=1")
    view = polled.json()
    assert polled.status_code == 200 and view["status"] == "transcribed"
    assert view["transcript"] and 0 < view["confidence"] <= 1  # real Whisper, robotic voice

    headers = await _bearer(http)
    drafts = (await http.get("/channels/voice/drafts", headers=headers)).json()
    assert [d["call_id"] for d in drafts] == ["CALL-1001"]
    assert drafts[0]["caller"] == "138****8000"
    confirmed = await http.post(
        f"/channels/voice/drafts/{drafts[0]['id']}/confirm",
        headers=headers,
        json={"description": "五一北路88号门口路灯坏了一个星期", "location": "五一北路88号"},
    )
    assert confirmed.status_code == 200, confirmed.text
    ticket = await Ticket.get(number=confirmed.json()["ticket_number"])
    assert ticket.channel == "phone" and ticket.contact_phone_masked == "138****8000"
    assert ticket.attachments[0]["source"] == "call_recording"
    assert ticket.attachments[0]["transcript"] == view["transcript"]
    event = await TicketEvent.get(ticket=ticket, action="receive")
    assert event.actor_type == "staff"
    # Confirmed once: a second confirmation is refused, and it left the agent's list.
    twice = await http.post(
        f"/channels/voice/drafts/{drafts[0]['id']}/confirm", headers=headers, json={}
    )
    assert twice.status_code == 409
    assert (await http.get("/channels/voice/drafts", headers=headers)).json() == []


async def test_an_emergency_heard_gives_a_transfer_instruction(
    platform: Platform, speech: Speech, voice_settings: Settings, scripted
):
    engine = scripted("救命，楼下着火了，火很大，有人被困在里面")
    await platform.post_recording("CALL-1002", speech(REPORT, "amr"))
    await _run_transcription(voice_settings)
    assert engine.heard and engine.heard[0] > 2.0  # the real recording was decoded
    view = (await platform.request("GET", "/channels/voice/recordings/CALL-1002")).json()
    assert view["transfer"]["number"] == "119" and "119" in view["transfer"]["message"]
    assert view["draft"]["scope"] == "emergency:119"


async def test_an_emergency_draft_confirmed_is_recorded_as_transferred(
    platform: Platform, http: httpx.AsyncClient, speech: Speech, voice_settings: Settings, scripted
):
    scripted("有人持刀抢劫，就在五一广场")
    await platform.post_recording("CALL-1003", speech(REPORT, "wav"))
    await _run_transcription(voice_settings)
    headers = await _bearer(http)
    draft = (await http.get("/channels/voice/drafts", headers=headers)).json()[0]
    assert draft["transfer"]["number"] == "110"
    done = await http.post(
        f"/channels/voice/drafts/{draft['id']}/confirm", headers=headers, json={}
    )
    ticket = await Ticket.get(number=done.json()["ticket_number"])
    assert ticket.status == "transferred" and ticket.scope == "emergency:110"


async def test_audio_that_cannot_be_heard_leaves_a_draft_for_typing(
    platform: Platform, http: httpx.AsyncClient, voice_settings: Settings
):
    broken = b"#!AMR\n" + b"\x3c" + b"\x00" * 10  # an AMR header and one cut-off frame
    assert (await platform.post_recording("CALL-1004", broken)).status_code == 202
    await _run_transcription(voice_settings)
    row = await CallRecording.get(call_id="CALL-1004")
    assert row.status == "failed" and row.error
    headers = await _bearer(http)
    refused = await http.post(f"/channels/voice/drafts/{row.id}/confirm", headers=headers, json={})
    assert refused.status_code == 400  # nothing heard, nothing typed
    typed = await http.post(
        f"/channels/voice/drafts/{row.id}/confirm",
        headers=headers,
        json={"description": "咨询社保卡补办需要带哪些材料"},
    )
    assert typed.status_code == 200


@pytest.mark.parametrize(
    ("case", "status"),
    [("unsigned", 401), ("wrong secret", 401), ("stale", 401), ("not audio", 415)],
)
async def test_bad_requests_change_nothing(
    platform: Platform, http: httpx.AsyncClient, speech: Speech, case: str, status: int
):
    audio = speech(REPORT, "mp3")
    if case == "unsigned":
        response = await http.post(
            "/channels/voice/recordings",
            data={"call_id": "X1"},
            files={"recording": ("r.mp3", audio)},
        )
    elif case == "wrong secret":
        response = await Platform(http, secret="x" * 40).post_recording("X1", audio)
    elif case == "stale":
        response = await platform.request(
            "POST",
            "/channels/voice/recordings",
            stamp=time.time() - 600,
            data={"call_id": "X1"},
            files={"recording": ("r.mp3", audio)},
        )
    else:
        response = await platform.post_recording("X1", b"<html>not a recording</html>")
    assert response.status_code == status, response.text
    assert "error" in response.json()
    assert await CallRecording.all().count() == 0


async def test_the_channel_is_off_unless_enabled(settings: Settings, db: None):
    from api.app import create_app

    app = create_app(settings, manage_db=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        assert (await http.get("/channels/voice/call-tasks")).status_code == 404


async def test_call_records_give_the_answer_rate(platform: Platform, http: httpx.AsyncClient):
    start = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    calls = [
        ("C1", "answered", 10, 200),
        ("C2", "answered", 30, 100),
        ("C3", "abandoned", 45, None),
        ("C4", "offered", 0, None),
    ]
    for call_id, outcome, wait, talk in calls:
        body: dict[str, object] = {
            "call_id": call_id,
            "outcome": outcome,
            "offered_at": start.isoformat(),
            "caller": "13912345678",
        }
        if outcome == "answered":
            answered = start + timedelta(seconds=wait)
            body["answered_at"] = answered.isoformat()
            body["ended_at"] = (answered + timedelta(seconds=talk or 0)).isoformat()
        elif outcome == "abandoned":
            body["ended_at"] = (start + timedelta(seconds=wait)).isoformat()
        response = await platform.request("POST", "/channels/voice/calls", json=body)
        assert response.status_code == 200, response.text
    # The platform reports C4 again once it is answered: updated, not counted twice.
    update = {
        "call_id": "C4",
        "outcome": "answered",
        "offered_at": start.isoformat(),
        "answered_at": (start + timedelta(seconds=5)).isoformat(),
    }
    await platform.request("POST", "/channels/voice/calls", json=update)
    headers = await _bearer(http, "supervisor1")
    window = {"since": "2026-11-27T00:00:00Z", "until": "2026-11-28T00:00:00Z"}
    stats = (await http.get("/channels/voice/calls/stats", headers=headers, params=window)).json()
    assert stats == {
        "offered": 4,
        "answered": 3,
        "abandoned": 1,
        "answer_rate": 0.75,
        "average_wait_seconds": 15.0,
    }
    bad = await platform.request("POST", "/channels/voice/calls", json={"call_id": "C5"})
    assert bad.status_code == 422
