"""Driving the whole ticket loop over HTTP as staff, with roles, audit and bad tokens."""

from __future__ import annotations

import httpx

from intake.models import AuditLog, Ticket
from tests.factories import routed_department, staff_user

FILING = {
    "description": "鼓楼区五一北路88号门口路灯坏了一个星期，晚上很黑",
    "contact_phone": "13800138000",
}


async def _login(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/staff/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_the_whole_loop_over_http(client: httpx.AsyncClient):
    await staff_user(username="op", password="op-pass-1", role="operator")
    await staff_user(username="sup", password="sup-pass-1", role="supervisor")
    # The department the request is routed to (福州市城市管理局): it sees and acts on the ticket.
    routed = (await routed_department(category="urban.streetlight")).code
    await staff_user(username="dept", password="dept-pass-1", role="department", department=routed)
    op = await _login(client, "op", "op-pass-1")
    sup = await _login(client, "sup", "sup-pass-1")
    dept = await _login(client, "dept", "dept-pass-1")
    number = (await client.post("/api/v1/tickets", json=FILING)).json()["number"]
    base = f"/api/v1/staff/tickets/{number}"

    steps = [
        (op, "/dispatch", {"note": "派至城管"}, "dispatched"),
        (dept, "/accept", None, "accepted"),
        (dept, "/extension", {"days": 3, "reason": "需采购配件"}, "accepted"),
        (sup, "/extension/decision", {"approve": True}, "accepted"),
        (dept, "/reply", {"reply": "已更换灯具，恢复照明。"}, "replied"),
        (op, "/close", None, "closed"),
        (
            op,
            "/evaluation",
            {"satisfaction": "very_dissatisfied", "comment": "还是不亮"},
            "reopened",
        ),
        (op, "/dispatch", {}, "dispatched"),
    ]
    for headers, path, body, status in steps:
        response = await client.post(base + path, json=body, headers=headers)
        assert response.status_code == 200, (path, response.text)
        assert response.json()["status"] == status, path
    supervised = await client.post(base + "/supervise", json={"note": "重复投诉"}, headers=sup)
    assert supervised.json()["supervised"] is True

    progress = (
        await client.get("/api/v1/progress", params={"number": number, "phone_tail": "8000"})
    ).json()
    texts = [entry["text"] for entry in progress["timeline"]]
    assert any("派发至福州市城市管理局" in t for t in texts)
    assert any("办理时限延长至" in t for t in texts)
    # The citizen's timeline carries no internal notes or staff names.
    assert not any("派至城管" in t or "需采购配件" in t or "还是不亮" in t for t in texts)


async def test_illegal_step_is_409_and_changes_nothing(client: httpx.AsyncClient):
    await staff_user(username="op", password="op-pass-1", role="operator")
    op = await _login(client, "op", "op-pass-1")
    number = (await client.post("/api/v1/tickets", json=FILING)).json()["number"]
    response = await client.post(f"/api/v1/staff/tickets/{number}/close", headers=op)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "illegal_transition"
    assert (await Ticket.get(number=number)).status == "received"
    unknown = await client.post("/api/v1/staff/tickets/FZ20990101000001/accept", headers=op)
    assert unknown.status_code == 404


async def test_roles_are_enforced(client: httpx.AsyncClient):
    routed = (await routed_department(category="urban.streetlight")).code
    await staff_user(username="dept", password="dept-pass-1", role="department", department=routed)
    dept = await _login(client, "dept", "dept-pass-1")
    number = (await client.post("/api/v1/tickets", json=FILING)).json()["number"]
    response = await client.post(f"/api/v1/staff/tickets/{number}/dispatch", json={}, headers=dept)
    assert response.status_code == 403
    assert (await Ticket.get(number=number)).status == "received"


async def test_tokens_bad_expired_and_revoked(client: httpx.AsyncClient):
    await staff_user(username="op", password="op-pass-1", role="operator")
    bad = await client.post("/api/v1/staff/login", json={"username": "op", "password": "nope"})
    nobody = await client.post("/api/v1/staff/login", json={"username": "x", "password": "nope"})
    assert bad.status_code == nobody.status_code == 401
    assert bad.json()["error"]["message"] == nobody.json()["error"]["message"]
    assert (await client.get("/api/v1/staff/tickets")).status_code == 401
    forged = {"Authorization": "Bearer not-a-token"}
    assert (await client.get("/api/v1/staff/tickets", headers=forged)).status_code == 401
    op = await _login(client, "op", "op-pass-1")
    assert (await client.get("/api/v1/staff/tickets", headers=op)).status_code == 200
    assert (await client.post("/api/v1/staff/logout", headers=op)).status_code == 204
    assert (await client.get("/api/v1/staff/tickets", headers=op)).status_code == 401


async def test_personal_data_is_masked_unless_revealed_and_reveal_is_audited(client):
    await staff_user(username="op", password="op-pass-1", role="operator")
    op = await _login(client, "op", "op-pass-1")
    filing = {**FILING, "description": FILING["description"] + "，有事打我电话13912345678"}
    number = (await client.post("/api/v1/tickets", json=filing)).json()["number"]
    listing = (await client.get("/api/v1/staff/tickets", headers=op)).json()
    assert listing[0]["contact_phone"] == "138****8000"
    assert "13912345678" not in listing[0]["description"]
    assert not await AuditLog.filter(action="reveal_personal_data").exists()
    detail = (
        await client.get(f"/api/v1/staff/tickets/{number}", params={"reveal": True}, headers=op)
    ).json()
    assert detail["ticket"]["contact_phone"] == "13800138000"
    assert "13912345678" in detail["ticket"]["description"]
    entry = await AuditLog.get(action="reveal_personal_data")
    assert entry.target == f"ticket:{number}"


async def test_handoff_conversation_is_released_by_an_operator(client, config, now):
    from intake.models import Conversation
    from tests.factories import Chat

    await staff_user(username="op", password="op-pass-1", role="operator")
    op = await _login(client, "op", "op-pass-1")
    chat = Chat(config, now=now)
    await chat.say("转人工")
    waiting = (await client.get("/api/v1/staff/conversations/handoff", headers=op)).json()
    assert len(waiting) == 1
    released = await client.post(
        f"/api/v1/staff/conversations/{waiting[0]['id']}/release", headers=op
    )
    assert released.status_code == 204
    assert not (await Conversation.get(id=waiting[0]["id"])).handoff
    assert (await chat.say("你好")) != []


async def test_kpis_and_undeliverable_notifications_are_visible_to_staff(client):
    await staff_user(username="sup", password="sup-pass-1", role="supervisor")
    sup = await _login(client, "sup", "sup-pass-1")
    kpis = await client.get("/api/v1/staff/kpis", headers=sup)
    assert kpis.status_code == 200 and "satisfaction_rate" in kpis.json()
    listing = await client.get(
        "/api/v1/staff/notifications", params={"status": "undeliverable"}, headers=sup
    )
    assert listing.status_code == 200 and listing.json() == []
    bad = await client.get("/api/v1/staff/notifications", params={"status": "bogus"}, headers=sup)
    assert bad.status_code == 422
    assert (await client.get("/api/v1/staff/kpis")).status_code == 401
