"""Staff accounts managed by an admin over HTTP, and department users scoped to their tickets."""

from __future__ import annotations

import httpx
import pytest

from intake.models import AuditLog, StaffToken, StaffUser, Ticket, TicketEvent
from tests.factories import routed_department, staff_user

FILING = {
    "description": "鼓楼区五一北路88号门口路灯坏了一个星期，晚上很黑",
    "contact_phone": "13800138000",
}
USERS = "/api/v1/staff/users"
PASSWORD = "a-long-passphrase"


async def _login(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/staff/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> dict[str, str]:
    await staff_user(username="boss", password="boss-pass-1", role="admin")
    return await _login(client, "boss", "boss-pass-1")


async def _create(
    client: httpx.AsyncClient, admin: dict[str, str], **body: object
) -> httpx.Response:
    return await client.post(USERS, json={"password": PASSWORD, **body}, headers=admin)


async def _filed_and_dispatched(client: httpx.AsyncClient) -> str:
    await staff_user(username="op", password="op-pass-1", role="operator")
    op = await _login(client, "op", "op-pass-1")
    number = str((await client.post("/api/v1/tickets", json=FILING)).json()["number"])
    dispatched = await client.post(f"/api/v1/staff/tickets/{number}/dispatch", json={}, headers=op)
    assert dispatched.status_code == 200, dispatched.text
    return number


async def test_admin_creates_a_department_user_who_works_their_ticket(client, admin):
    routed = (await routed_department(category="urban.streetlight")).code
    created = await _create(
        client,
        admin,
        username="fz-chengguan-1",
        role="department",
        department_code=routed,
        display_name="城管 张三",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["department_code"] == routed and body["active"] is True
    assert not any("password" in key or "hash" in key for key in body)
    listing = (await client.get(USERS, headers=admin)).json()
    assert {u["username"] for u in listing} >= {"admin", "boss", "fz-chengguan-1"}
    assert "pbkdf2" not in (await client.get(USERS, headers=admin)).text
    entry = await AuditLog.get(action="staff_create")
    assert entry.detail["department"] == routed and PASSWORD not in str(entry.detail)

    number = await _filed_and_dispatched(client)
    dept = await _login(client, "fz-chengguan-1", PASSWORD)
    mine = (await client.get("/api/v1/staff/tickets", headers=dept)).json()
    assert [t["number"] for t in mine] == [number]
    base = f"/api/v1/staff/tickets/{number}"
    assert (await client.get(base, headers=dept)).status_code == 200
    for path, payload, status in (
        ("/accept", None, "accepted"),
        ("/extension", {"days": 2, "reason": "需采购配件"}, "accepted"),
        ("/reply", {"reply": "已更换灯具。"}, "replied"),
    ):
        response = await client.post(base + path, json=payload, headers=dept)
        assert response.status_code == 200, (path, response.text)
        assert response.json()["status"] == status


async def test_a_department_user_of_another_department_cannot_see_or_touch_it(client, admin):
    routed = (await routed_department(category="urban.streetlight")).code
    other = (await routed_department(category="env.noise")).code
    assert other != routed
    assert (
        await _create(client, admin, username="noise-1", role="department", department_code=other)
    ).status_code == 201
    number = await _filed_and_dispatched(client)
    second = {"description": "五四路12号路灯不亮，已经三天了", "contact_phone": "13900139000"}
    received = str((await client.post("/api/v1/tickets", json=second)).json()["number"])
    suggested = await Ticket.get(number=received).prefetch_related("department")
    assert suggested.status == "received" and suggested.department.code == routed
    dept = await _login(client, "noise-1", PASSWORD)
    before = await Ticket.get(number=number)
    events = await TicketEvent.filter(ticket=before).count()

    unknown = await client.get("/api/v1/staff/tickets/FZ20990101000001", headers=dept)
    assert unknown.status_code == 404
    base = f"/api/v1/staff/tickets/{number}"
    answers = [await client.get(base, headers=dept)]
    for path, payload in (
        ("/accept", None),
        ("/return", {"reason": "不属于本单位"}),
        ("/extension", {"days": 2, "reason": "x"}),
        ("/reply", {"reply": "已处理"}),
    ):
        answers.append(await client.post(base + path, json=payload, headers=dept))
    for answer in answers:
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == unknown.json()["error"]["code"]
        assert answer.json()["error"]["message"] == unknown.json()["error"]["message"]
    after = await Ticket.get(number=number)
    assert (after.status, after.reply_text) == ("dispatched", "")
    assert await TicketEvent.filter(ticket=after).count() == events

    # Not in their list, whatever department filter they pass.
    for params in ({}, {"department": routed}):
        listing = await client.get("/api/v1/staff/tickets", params=params, headers=dept)
        assert listing.status_code == 200 and listing.json() == []
    # Moving them to the routed department shows them the dispatched ticket at once, and still
    # not the one only triage has suggested (no operator has dispatched it yet).
    moved = await client.patch(f"{USERS}/noise-1", json={"department_code": routed}, headers=admin)
    assert moved.status_code == 200 and moved.json()["department_code"] == routed
    listing = await client.get("/api/v1/staff/tickets", headers=dept)
    assert [t["number"] for t in listing.json()] == [number]
    assert (await client.get(f"/api/v1/staff/tickets/{received}", headers=dept)).status_code == 404
    # Operators and supervisors still see everything.
    op = await _login(client, "op", "op-pass-1")
    assert len((await client.get("/api/v1/staff/tickets", headers=op)).json()) == 2


async def test_a_department_user_without_a_department_sees_nothing(client):
    number = await _filed_and_dispatched(client)
    user = await staff_user(username="orphan", password="orphan-pass-1", role="department")
    user.department = None  # type: ignore[assignment]
    await user.save()
    dept = await _login(client, "orphan", "orphan-pass-1")
    assert (await client.get("/api/v1/staff/tickets", headers=dept)).json() == []
    accept = await client.post(f"/api/v1/staff/tickets/{number}/accept", headers=dept)
    assert accept.status_code == 404


async def test_only_admins_manage_accounts(client, admin):
    routed = (await routed_department(category="urban.streetlight")).code
    for role in ("operator", "supervisor", "department"):
        await staff_user(
            username=f"{role}-x",
            password="pass-pass-1",
            role=role,
            department=routed if role == "department" else None,
        )
        headers = await _login(client, f"{role}-x", "pass-pass-1")
        body = {"username": "intruder", "password": PASSWORD, "role": "admin"}
        answers = (
            await client.post(USERS, json=body, headers=headers),
            await client.get(USERS, headers=headers),
            await client.patch(f"{USERS}/{role}-x", json={"role": "admin"}, headers=headers),
        )
        for answer in answers:
            assert answer.status_code == 403, answer.text
            assert answer.json()["error"]["code"] == "forbidden"
    assert (await client.get(USERS)).status_code == 401
    assert not await StaffUser.exists(username="intruder")
    assert (await StaffUser.get(username="operator-x")).role == "operator"


async def test_taken_username_is_409_and_invalid_input_is_422(client, admin):
    assert (await _create(client, admin, username="op-1", role="operator")).status_code == 201
    taken = await _create(client, admin, username="op-1", role="supervisor")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "username_taken"
    routed = (await routed_department(category="urban.streetlight")).code
    for body in (
        {"username": "weak", "role": "operator", "password": "short-pw"},  # < 10 characters
        {"username": "same-as-name", "role": "operator", "password": "same-as-name"},
        {"username": "Has Space", "role": "operator"},
        {"username": "dept-1", "role": "department"},  # no department
        {"username": "dept-1", "role": "department", "department_code": "nowhere"},
        {"username": "boss-2", "role": "superuser"},
        {"username": "x-1", "role": "operator", "department_code": routed, "extra": 1},
    ):
        answer = await _create(client, admin, **body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["error"]["code"] == "invalid_input"
    assert set(await StaffUser.all().values_list("username", flat=True)) == {
        "admin",
        "boss",
        "op-1",
    }
    unknown = await client.patch(f"{USERS}/nobody", json={"active": False}, headers=admin)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    # A department user keeps a department; the change is refused and nothing moves.
    await _create(client, admin, username="dept-2", role="department", department_code=routed)
    cleared = await client.patch(f"{USERS}/dept-2", json={"department_code": None}, headers=admin)
    assert cleared.status_code == 422
    assert (await client.get(f"{USERS}/dept-2", headers=admin)).json()["department_code"] == routed


async def test_deactivation_stops_the_token_at_once_and_reactivation_needs_a_new_login(
    client, admin
):
    await _create(client, admin, username="op-2", role="operator")
    op = await _login(client, "op-2", PASSWORD)
    assert (await client.get("/api/v1/staff/tickets", headers=op)).status_code == 200
    off = await client.patch(f"{USERS}/op-2", json={"active": False}, headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False
    assert (await client.get("/api/v1/staff/tickets", headers=op)).status_code == 401
    refused = await client.post(
        "/api/v1/staff/login", json={"username": "op-2", "password": PASSWORD}
    )
    assert refused.status_code == 401
    on = await client.patch(f"{USERS}/op-2", json={"active": True}, headers=admin)
    assert on.status_code == 200 and on.json()["active"] is True
    assert (await client.get("/api/v1/staff/tickets", headers=op)).status_code == 401
    again = await _login(client, "op-2", PASSWORD)
    assert (await client.get("/api/v1/staff/tickets", headers=again)).status_code == 200
    actions = await AuditLog.filter(target__startswith="staff:").values_list("action", flat=True)
    assert {"staff_deactivate", "staff_reactivate"} <= set(actions)
    inactive = (await client.get(USERS, params={"active": False}, headers=admin)).json()
    assert inactive == []


async def test_password_reset_revokes_tokens(client, admin):
    await _create(client, admin, username="sup-1", role="supervisor")
    sup = await _login(client, "sup-1", PASSWORD)
    weak = await client.patch(f"{USERS}/sup-1", json={"password": "short"}, headers=admin)
    assert weak.status_code == 422
    assert (await client.get("/api/v1/staff/tickets", headers=sup)).status_code == 200
    reset = await client.patch(
        f"{USERS}/sup-1", json={"password": "another-long-one"}, headers=admin
    )
    assert reset.status_code == 200, reset.text
    assert (await client.get("/api/v1/staff/tickets", headers=sup)).status_code == 401
    old = await client.post("/api/v1/staff/login", json={"username": "sup-1", "password": PASSWORD})
    assert old.status_code == 401
    await _login(client, "sup-1", "another-long-one")
    entry = await AuditLog.get(action="staff_password_reset")
    assert entry.detail["tokens_revoked"] == 1 and "another-long-one" not in str(entry.detail)
    assert await StaffToken.filter(staff__username="sup-1", revoked=True).count() == 1


async def test_the_last_active_admin_stays(client, admin):
    # The seeded admin goes first; then boss is the only one left and cannot leave.
    assert (
        await client.patch(f"{USERS}/admin", json={"active": False}, headers=admin)
    ).status_code == 200
    for change in ({"active": False}, {"role": "operator"}):
        answer = await client.patch(f"{USERS}/boss", json=change, headers=admin)
        assert answer.status_code == 409, answer.text
    assert (await client.get(USERS, headers=admin)).status_code == 200
    # A change refused halfway changes nothing: the name below is not kept either.
    both = {"display_name": "新名字", "active": False}
    assert (await client.patch(f"{USERS}/boss", json=both, headers=admin)).status_code == 409
    assert (await StaffUser.get(username="boss")).display_name == ""


def test_the_accounts_api_is_documented(settings):
    from api.app import create_app

    spec = create_app(settings, manage_db=False).openapi()
    assert {"post", "get"} <= set(spec["paths"][USERS])
    assert "patch" in spec["paths"][USERS + "/{username}"]
    assert "password_hash" not in str(spec["components"]["schemas"]["StaffUserOut"])
