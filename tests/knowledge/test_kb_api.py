"""The knowledge API: public self-service search, staff management with roles."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from hotline.settings import Settings
from tests.factories import staff_user

ITEMS = "/api/v1/staff/knowledge/items"
NEW_ITEM = {
    "code": "xm-demo-parking",
    "questions": ["厦门停车收费标准在哪里查", "停车费标准哪里能看到"],
    "answer": "可在厦门市发改委网站查询停车收费标准，以当地最新公布为准。",
    "category": "market.price",
    "department": "厦门市发展和改革委员会",
    "region": "XM",
    "valid_from": "2026-01-01",
    "source": "测试",
    "note": "新增",
}


@pytest.fixture
async def http(kb: int, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    limited = settings.model_copy(update={"knowledge_searches_per_minute": 5})
    app = create_app(limited, manage_db=False)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _login(http: httpx.AsyncClient, role: str) -> dict[str, str]:
    await staff_user(username=role, password=f"{role}-pass-1", role=role)
    response = await http.post(
        "/api/v1/staff/login", json={"username": role, "password": f"{role}-pass-1"}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_public_search_answers_and_is_rate_limited(http: httpx.AsyncClient):
    response = await http.get("/api/v1/knowledge/search", params={"q": "社保卡丢了怎么补办"})
    assert response.status_code == 200, response.text
    best = response.json()["results"][0]
    assert best["code"] == "hr-sscard-replace" and best["confident"] is True
    assert best["question"] == "社保卡丢了怎么补办？" and best["category_name"]
    vague = await http.get("/api/v1/knowledge/search", params={"q": "护照怎么办理"})
    assert all(not r["confident"] for r in vague.json()["results"])
    assert (await http.get("/api/v1/knowledge/search", params={"q": "x"})).status_code == 422
    statuses = [
        (await http.get("/api/v1/knowledge/search", params={"q": "低保条件"})).status_code
        for _ in range(4)
    ]
    assert statuses[-1] == 429 and statuses[0] == 200


async def test_staff_create_edit_retire_with_roles(http: httpx.AsyncClient):
    operator = await _login(http, "operator")
    supervisor = await _login(http, "supervisor")
    assert (await http.get(ITEMS)).status_code == 401
    assert (await http.post(ITEMS, json=NEW_ITEM, headers=operator)).status_code == 403

    created = await http.post(ITEMS, json=NEW_ITEM, headers=supervisor)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1 and created.json()["status"] == "active"
    assert (await http.post(ITEMS, json=NEW_ITEM, headers=supervisor)).status_code == 409
    bad = await http.post(ITEMS, json={**NEW_ITEM, "category": "x"}, headers=supervisor)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"

    found = await http.get(
        "/api/v1/knowledge/search", params={"q": "厦门停车收费标准在哪查", "region": "XM"}
    )
    assert found.json()["results"][0]["code"] == "xm-demo-parking"
    elsewhere = await http.get("/api/v1/knowledge/search", params={"q": "厦门停车收费标准在哪查"})
    assert all(r["code"] != "xm-demo-parking" for r in elsewhere.json()["results"])

    edited = {**NEW_ITEM, "answer": "请在厦门市发改委网站查询，以当地最新公布为准。", "note": "改"}
    response = await http.put(f"{ITEMS}/xm-demo-parking", json=edited, headers=supervisor)
    assert response.status_code == 200 and response.json()["version"] == 2
    detail = (await http.get(f"{ITEMS}/xm-demo-parking", headers=operator)).json()
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert detail["versions"][0]["content"]["answer"] == NEW_ITEM["answer"]
    assert detail["versions"][1]["editor"].startswith("staff:")

    retired = await http.post(
        f"{ITEMS}/xm-demo-parking/retire", json={"note": "停用"}, headers=supervisor
    )
    assert retired.json()["status"] == "retired"
    found = await http.get(
        "/api/v1/knowledge/search", params={"q": "厦门停车收费标准在哪查", "region": "XM"}
    )
    assert all(r["code"] != "xm-demo-parking" for r in found.json()["results"])
    listed = await http.get(ITEMS, params={"status": "retired"}, headers=operator)
    assert [i["code"] for i in listed.json()] == ["xm-demo-parking"]
    active = await http.get(ITEMS, params={"category": "hr", "limit": 200}, headers=operator)
    assert active.json() and all(i["category"].startswith("hr.") for i in active.json())
    missing = await http.get(f"{ITEMS}/no-such-item", headers=operator)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == (
        "knowledge_item_not_found"
    )
