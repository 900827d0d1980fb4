"""Filing and progress lookup over HTTP, including every kind of bad input."""

from __future__ import annotations

import uuid

import httpx

from intake.models import InboundMessage, Ticket

FILING = {
    "description": "台江区江滨西大道100号楼下烧烤店每天晚上油烟很大，窗户都不敢开",
    "contact_phone": "13800138000",
    "location": "台江区江滨西大道100号",
}


def _error(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "request_id"} <= set(body["error"])
    return body["error"]


async def test_file_a_request_and_follow_it(client: httpx.AsyncClient):
    response = await client.post("/api/v1/tickets", json=FILING)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "received" and body["number"].startswith("FZ")
    assert "受理" in body["message"] and "生态环境局" in body["message"]
    progress = await client.get(
        "/api/v1/progress", params={"number": body["number"], "phone_tail": "8000"}
    )
    assert progress.status_code == 200
    view = progress.json()
    assert view["status_name"] == "已受理" and view["category"] == "env.air"
    assert view["timeline"][0]["text"].startswith("诉求已受理")


async def test_idempotency_key_never_files_twice(client: httpx.AsyncClient):
    key = str(uuid.uuid4())
    first = await client.post("/api/v1/tickets", json=FILING, headers={"Idempotency-Key": key})
    second = await client.post("/api/v1/tickets", json=FILING, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await Ticket.all().count() == 1
    other = {**FILING, "description": FILING["description"] + "，已经持续一个月"}
    conflict = await client.post("/api/v1/tickets", json=other, headers={"Idempotency-Key": key})
    assert conflict.status_code == 409
    assert _error(conflict)["code"] == "idempotency_conflict"
    assert await Ticket.all().count() == 1


async def test_emergency_filed_online_is_told_to_call(client: httpx.AsyncClient):
    response = await client.post(
        "/api/v1/tickets",
        json={**FILING, "description": "隔壁房子着火了，浓烟滚滚，里面好像还有人"},
    )
    assert response.status_code == 201
    assert response.json()["status"] == "transferred" and "119" in response.json()["message"]


async def test_bad_filings_are_refused_in_chinese_and_change_nothing(client: httpx.AsyncClient):
    cases = [
        ({**FILING, "contact_phone": "12345678901"}, 422, "invalid_phone"),
        ({**FILING, "category": "no.such"}, 422, "invalid_input"),
        ({**FILING, "kind": "rant"}, 422, "invalid_input"),
        ({**FILING, "region": "XX"}, 422, "invalid_input"),
        ({"contact_phone": "13800138000"}, 422, "invalid_input"),
        ({**FILING, "description": "短"}, 422, "invalid_input"),
    ]
    for body, status, code in cases:
        response = await client.post("/api/v1/tickets", json=body)
        assert response.status_code == status, (body, response.text)
        error = _error(response)
        assert error["code"] == code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    malformed = await client.post(
        "/api/v1/tickets", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    huge = await client.post(
        "/api/v1/tickets", content=b"x" * 2_000_000, headers={"content-type": "application/json"}
    )
    assert huge.status_code == 413 and _error(huge)["code"] == "too_large"
    assert await Ticket.all().count() == 0
    assert await InboundMessage.all().count() == 0


async def test_wrong_tail_and_unknown_number_look_the_same(client: httpx.AsyncClient):
    number = (await client.post("/api/v1/tickets", json=FILING)).json()["number"]
    wrong = await client.get("/api/v1/progress", params={"number": number, "phone_tail": "1234"})
    unknown = await client.get(
        "/api/v1/progress", params={"number": "FZ20990101000001", "phone_tail": "8000"}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert {k: v for k, v in _error(wrong).items() if k != "request_id"} == {
        k: v for k, v in _error(unknown).items() if k != "request_id"
    }
    bad = await client.get("/api/v1/progress", params={"number": number, "phone_tail": "80a0"})
    assert bad.status_code == 422


async def test_progress_view_masks_personal_data(client: httpx.AsyncClient):
    filing = {
        **FILING,
        "description": "我是张三，身份证350102199001011238，电话13912345678，"
        "楼下噪音太吵了晚上睡不着",
    }
    number = (await client.post("/api/v1/tickets", json=filing)).json()["number"]
    view = (
        await client.get("/api/v1/progress", params={"number": number, "phone_tail": "8000"})
    ).json()
    assert "13912345678" not in view["description"] and "139****5678" in view["description"]
    assert "350102199001011238" not in view["description"]


async def test_progress_lookups_are_rate_limited(client: httpx.AsyncClient, settings):
    number = (await client.post("/api/v1/tickets", json=FILING)).json()["number"]
    statuses = []
    for tail in range(settings.progress_lookups_per_minute + 2):
        response = await client.get(
            "/api/v1/progress", params={"number": number, "phone_tail": f"{tail:04d}"}
        )
        statuses.append(response.status_code)
    assert statuses[-1] == 429 and 404 in statuses
    assert _error(response)["code"] == "rate_limited"


async def test_unknown_route_and_method_use_the_error_shape(client: httpx.AsyncClient):
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and _error(missing)["code"] == "not_found"
    wrong = await client.delete("/api/v1/tickets")
    assert wrong.status_code == 405 and _error(wrong)["code"] == "method_not_allowed"


async def test_health_readiness_metrics_and_docs(client: httpx.AsyncClient):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.headers.get("x-checks")
    metrics = await client.get("/metrics")
    assert "hotline_http_requests_total" in metrics.text
    schema = (await client.get("/openapi.json")).json()
    assert "/api/v1/tickets" in schema["paths"] and "/api/v1/progress" in schema["paths"]
    response = await client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert response.headers["x-request-id"] == "abc123"
