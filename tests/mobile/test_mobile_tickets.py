"""A signed-in citizen's tickets: filing (idempotent, with attachments), the list, one ticket,
补充, 催办, 评价, notification consent — and never anyone else's ticket."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from intake.citizen_requests import take_grant
from intake.mobile_models import CitizenSession, MediaUpload, NotificationGrant
from intake.models import Ticket, TicketEvent
from tests.mobile.builders import amr, close
from tests.mobile.conftest import DATA, error_of, new_phone, sign_in_app, sign_in_mp
from tests.mobile.fakes import FakeAliyunSms, FakeWechatLogin

ME = "/api/v1/me/tickets"
FILING = {
    "description": "鼓楼区五一北路88号小区门口的路灯坏了一个多星期，晚上很黑",
    "location": "鼓楼区五一北路88号",
}


async def file(client: httpx.AsyncClient, auth: dict[str, str], **extra: object) -> str:
    response = await client.post(ME, headers=auth, json={**FILING, **extra})
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


async def test_file_with_attachments_list_and_read_one(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    phone = new_phone()
    auth = await sign_in_app(client, fake_sms, phone)
    photo = (DATA / "photo.jpg").read_bytes()
    photo_id = await client.post("/api/v1/media", headers=auth, files={"file": ("p", photo)})
    voice_id = await client.post("/api/v1/media", headers=auth, files={"file": ("v", amr(3))})
    ids = [photo_id.json()["id"], voice_id.json()["id"]]
    number = await file(client, auth, media_ids=ids)
    ticket = await Ticket.get(number=number)
    # The app's verified phone is the contact phone; the channel is the app.
    assert ticket.channel == "app" and ticket.contact_phone_tail == phone[-4:]
    assert [a["media_id"] for a in ticket.attachments] == ids
    assert {u.ticket_id for u in await MediaUpload.all()} == {ticket.id}  # type: ignore[attr-defined]
    # The recording waits for speech recognition (the voice work picks "pending" rows up).
    voice = await MediaUpload.get(id=ids[1])
    assert voice.transcript_status == "pending"
    listing = await client.get(ME, headers=auth, params={"limit": 5})
    assert listing.json()["total"] == 1 and listing.json()["items"][0]["number"] == number
    detail = (await client.get(f"{ME}/{number}", headers=auth)).json()
    assert detail["status_name"] == "已受理" and detail["category"] == "urban.streetlight"
    assert detail["timeline"][0]["text"].startswith("诉求已受理")
    assert [a["kind"] for a in detail["attachments"]] == ["image", "audio"]
    assert "ref" not in detail["attachments"][0]
    assert detail["can_supplement"] and not detail["can_urge"] and not detail["can_evaluate"]


async def test_list_is_paginated_newest_first(client: httpx.AsyncClient, fake_sms: FakeAliyunSms):
    auth = await sign_in_app(client, fake_sms)
    places = ["台江区", "仓山区", "晋安区", "马尾区", "长乐区"]
    numbers = [
        await file(client, auth, description=f"{p}某路口的红绿灯坏了好几天了", location=p)
        for p in places
    ]
    first = (await client.get(ME, headers=auth, params={"limit": 2})).json()
    rest = (await client.get(ME, headers=auth, params={"limit": 2, "offset": 4})).json()
    assert first["total"] == 5 and [i["number"] for i in first["items"]] == numbers[:2:-1][:2]
    assert [i["number"] for i in rest["items"]] == [numbers[0]]
    assert (await client.get(ME, headers=auth, params={"limit": 500})).status_code == 422


async def test_idempotent_resubmission_per_citizen(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms, fake_wechat: FakeWechatLogin
):
    auth = await sign_in_app(client, fake_sms)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await client.post(ME, headers={**auth, **key}, json=FILING)
    again = await client.post(ME, headers={**auth, **key}, json=FILING)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert await Ticket.all().count() == 1
    changed = await client.post(
        ME, headers={**auth, **key}, json={**FILING, "description": FILING["description"] + "！"}
    )
    assert changed.status_code == 409 and error_of(changed)["code"] == "idempotency_conflict"
    # Another citizen using the same key files their own ticket and learns nothing of the first.
    other = await sign_in_mp(client, fake_wechat)
    theirs = await client.post(
        ME, headers={**other, **key}, json={**FILING, "contact_phone": "13912345678"}
    )
    assert theirs.status_code == 201 and theirs.json()["number"] != first.json()["number"]
    assert await Ticket.all().count() == 2


async def test_mini_program_filing_needs_a_phone_once(
    client: httpx.AsyncClient, fake_wechat: FakeWechatLogin
):
    auth = await sign_in_mp(client, fake_wechat)
    missing = await client.post(ME, headers=auth, json=FILING)
    assert missing.status_code == 422 and error_of(missing)["code"] == "invalid_phone"
    number = await file(client, auth, contact_phone="13800138000")
    assert (await Ticket.get(number=number)).channel == "miniprogram"
    # Remembered: the next filing can leave it out.
    await file(client, auth, description="晋安区福新路有井盖缺失，很危险", location="晋安区福新路")


async def test_another_citizens_ticket_is_exactly_like_an_unknown_one(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms, fake_wechat: FakeWechatLogin
):
    owner = await sign_in_app(client, fake_sms)
    number = await file(client, owner)
    photo = (DATA / "photo.png").read_bytes()
    media_id = (
        await client.post("/api/v1/media", headers=owner, files={"file": ("p", photo)})
    ).json()["id"]
    await close(number)
    stranger = await sign_in_mp(client, fake_wechat)
    unknown = "FZ20991231999999"
    for method, suffix, body in [
        ("GET", "", None),
        ("POST", "/supplements", {"text": "我也看到了"}),
        ("POST", "/urge", None),
        ("POST", "/evaluation", {"satisfaction": "very_dissatisfied"}),
        ("POST", "/link", None),
        ("DELETE", "/link", None),
    ]:
        theirs = await client.request(method, f"{ME}/{number}{suffix}", headers=stranger, json=body)
        missing = await client.request(
            method, f"{ME}/{unknown}{suffix}", headers=stranger, json=body
        )
        assert theirs.status_code == missing.status_code == 404, (suffix, theirs.text)
        assert error_of(theirs)["code"] == error_of(missing)["code"] == "ticket_not_found"
        assert error_of(theirs)["message"] == error_of(missing)["message"]
    # Nor can they attach the owner's upload to their own request.
    stolen = await client.post(
        ME,
        headers=stranger,
        json={**FILING, "contact_phone": "13912345678", "media_ids": [media_id]},
    )
    assert stolen.status_code == 404 and error_of(stolen)["code"] == "media_not_found"
    assert (await Ticket.get(number=number)).status == "closed"
    assert (await client.get(ME, headers=stranger)).json()["total"] == 0


async def test_supplement_reaches_the_department(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    auth = await sign_in_app(client, fake_sms)
    number = await file(client, auth)
    voice_id = (
        await client.post("/api/v1/media", headers=auth, files={"file": ("v", amr(2))})
    ).json()["id"]
    response = await client.post(
        f"{ME}/{number}/supplements",
        headers=auth,
        json={"text": "路灯编号GL-0231，旁边那盏也不亮", "media_ids": [voice_id]},
    )
    assert response.status_code == 204, response.text
    event = await TicketEvent.get(action="supplement")
    assert event.actor_type == "citizen" and "GL-0231" in event.internal_note
    assert f"media {voice_id}" in event.internal_note
    ticket = await Ticket.get(number=number)
    assert [a["media_id"] for a in ticket.attachments] == [voice_id]
    assert (await MediaUpload.get(id=voice_id)).transcript_status == "pending"
    timeline = (await client.get(f"{ME}/{number}", headers=auth)).json()["timeline"]
    assert timeline[-1]["text"] == "您已补充诉求内容，已转承办单位"
    assert "GL-0231" not in str(timeline)
    await close(number)
    blank = await client.post(f"{ME}/{number}/supplements", headers=auth, json={"text": "  "})
    assert blank.status_code == 422
    late = await client.post(f"{ME}/{number}/supplements", headers=auth, json={"text": "还有"})
    assert late.status_code == 409 and error_of(late)["code"] == "ticket_not_open"


async def test_urge_waits_a_working_day_then_once_a_day(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    auth = await sign_in_app(client, fake_sms)
    number = await file(client, auth)
    early = await client.post(f"{ME}/{number}/urge", headers=auth)
    assert early.status_code == 409 and error_of(early)["code"] == "urge_too_early"
    assert "1个工作日" in error_of(early)["message"]
    # Two weeks later there was at least one working day, whatever the holidays.
    await Ticket.filter(number=number).update(created_at=datetime.now(UTC) - timedelta(days=14))
    assert (await client.get(f"{ME}/{number}", headers=auth)).json()["can_urge"]
    assert (await client.post(f"{ME}/{number}/urge", headers=auth)).status_code == 204
    again = await client.post(f"{ME}/{number}/urge", headers=auth)
    assert again.status_code == 429 and error_of(again)["code"] == "urge_too_often"
    assert "24小时" in error_of(again)["message"]
    await TicketEvent.filter(action="urge").update(
        created_at=datetime.now(UTC) - timedelta(hours=25)
    )
    assert (await client.post(f"{ME}/{number}/urge", headers=auth)).status_code == 204
    assert await TicketEvent.filter(action="urge", actor_type="citizen").count() == 2
    await close(number)
    done = await client.post(f"{ME}/{number}/urge", headers=auth)
    assert done.status_code == 409 and error_of(done)["code"] == "urge_not_open"


async def test_evaluate_a_closed_ticket_and_unsatisfied_reopens(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    auth = await sign_in_app(client, fake_sms)
    happy, unhappy = (
        await file(client, auth),
        await file(
            client,
            auth,
            description="仓山区上渡路有大货车夜间施工噪音扰民",
            location="仓山区上渡路",
        ),
    )
    early = await client.post(
        f"{ME}/{happy}/evaluation", headers=auth, json={"satisfaction": "satisfied"}
    )
    assert early.status_code == 409 and error_of(early)["code"] == "not_evaluable"
    await close(happy)
    await close(unhappy)
    assert (await client.get(f"{ME}/{happy}", headers=auth)).json()["can_evaluate"]
    ok = await client.post(
        f"{ME}/{happy}/evaluation",
        headers=auth,
        json={"satisfaction": "very_satisfied", "comment": "很快就修好了"},
    )
    assert ok.status_code == 204
    assert (await Ticket.get(number=happy)).status == "evaluated"
    twice = await client.post(
        f"{ME}/{happy}/evaluation", headers=auth, json={"satisfaction": "dissatisfied"}
    )
    assert twice.status_code == 409
    bad = await client.post(
        f"{ME}/{unhappy}/evaluation", headers=auth, json={"satisfaction": "meh"}
    )
    assert bad.status_code == 422
    no = await client.post(
        f"{ME}/{unhappy}/evaluation", headers=auth, json={"satisfaction": "dissatisfied"}
    )
    assert no.status_code == 204
    ticket = await Ticket.get(number=unhappy)
    assert ticket.status == "reopened" and ticket.satisfaction == "dissatisfied"
    event = await TicketEvent.filter(ticket=ticket, action="evaluate").first()
    assert event is not None and event.actor_type == "citizen"


async def test_subscription_grants_are_recorded_and_spent(
    client: httpx.AsyncClient, fake_wechat: FakeWechatLogin, fake_sms: FakeAliyunSms
):
    auth = await sign_in_mp(client, fake_wechat, "oMP-subscriber")
    url = "/api/v1/notifications/subscriptions"
    for _ in range(2):
        response = await client.post(
            url, headers=auth, json={"results": {"TPL_status": "accept", "TPL_reply": "reject"}}
        )
        assert response.status_code == 200, response.text
    grants = {g["template_id"]: g for g in response.json()}
    assert grants["TPL_status"]["remaining"] == 2 and grants["TPL_reply"]["remaining"] == 0
    session = await CitizenSession.get()
    citizen_id = session.citizen_id  # type: ignore[attr-defined]
    assert await take_grant(citizen_id=citizen_id, template_id="TPL_status") == "oMP-subscriber"
    await client.post(url, headers=auth, json={"results": {"TPL_status": "ban"}})
    assert await take_grant(citizen_id=citizen_id, template_id="TPL_status") is None
    assert await take_grant(citizen_id=citizen_id, template_id="TPL_reply") is None
    bad = await client.post(url, headers=auth, json={"results": {"<script>": "accept"}})
    assert bad.status_code == 422
    app_user = await sign_in_app(client, fake_sms)
    wrong = await client.post(url, headers=app_user, json={"results": {"TPL_status": "accept"}})
    assert wrong.status_code == 422 and error_of(wrong)["code"] == "wrong_channel"
    assert await NotificationGrant.all().count() == 2


async def test_form_options(client: httpx.AsyncClient):
    options = (await client.get("/api/v1/categories")).json()
    assert options["kinds"]["complaint"] == "投诉" and options["regions"]["FZ"] == "福州市"
    streetlight = next(c for c in options["categories"] if c["code"] == "urban.streetlight")
    assert streetlight["name"] == "路灯" and streetlight["needs_location"]
    departments = (await client.get("/api/v1/departments", params={"region": "XM"})).json()
    assert departments and all(d["region"] == "XM" for d in departments)
    assert any(d["name"] == "厦门市城市管理局" for d in departments)


async def test_the_mobile_api_is_documented_with_examples(client: httpx.AsyncClient):
    spec = (await client.get("/openapi.json")).json()
    for path in (
        "/api/v1/auth/wechat-miniprogram",
        "/api/v1/auth/sms-code",
        "/api/v1/auth/sms-login",
        "/api/v1/auth/refresh",
        "/api/v1/me/tickets",
        "/api/v1/me/tickets/{number}/urge",
        "/api/v1/media",
        "/api/v1/notifications/subscriptions",
    ):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    for name in ("MobileFilingIn", "SmsLoginIn", "TokenOut", "MobileEvaluateIn", "SupplementIn"):
        assert schemas[name].get("examples"), name
