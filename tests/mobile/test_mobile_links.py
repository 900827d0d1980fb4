"""Deep links /t/<token>, the lookup page and the app-link files, over HTTP (the browser tests
in test_mobile_pages_browser.py look at the same pages as a person would)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from channels import app_links
from intake.config import IntakeConfig
from intake.mobile_models import TicketLink
from intake.models import Ticket
from tests import factories
from tests.mobile.builders import close
from tests.mobile.conftest import error_of, sign_in_app
from tests.mobile.fakes import FakeAliyunSms


def link_config(**changes: object) -> app_links.LinkConfig:
    values: dict[str, object] = {
        "public_base_url": "https://12345.example.gov.cn",
        "days": 90,
        "ios_app_ids": (),
        "android_package": "",
        "android_cert_sha256": (),
        **changes,
    }
    return app_links.LinkConfig(**values)  # type: ignore[arg-type]


async def test_a_link_shows_the_ticket_and_is_safe_to_share(
    client: httpx.AsyncClient, config: IntakeConfig
):
    created = await factories.ticket(
        config,
        now=datetime.now(UTC),
        description='路灯不亮<script>alert("x")</script>，我的电话13800138000',
    )
    link = await app_links.create_link(
        number=created.ticket.number, config=link_config(), now=datetime.now(UTC)
    )
    assert link.url.startswith("https://12345.example.gov.cn/t/")
    token = link.url.rsplit("/", 1)[1]
    assert (
        len(token) == 32
        and link.app_url == f"hotline12345://ticket/{created.ticket.number}?t={token}"
    )
    stored = await TicketLink.get()
    assert token not in stored.token_digest  # only a digest is kept
    page = await client.get(f"/t/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert created.ticket.number in html and "已受理" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "13800138000" not in html and "138****8000" in html
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert 'href="hotline12345://ticket/' in html


async def test_the_link_of_an_english_ticket_opens_in_english(
    client: httpx.AsyncClient, config: IntakeConfig
):
    created = await factories.ticket(config, now=datetime.now(UTC))
    created.ticket.language = "en"  # filed from an English Telegram client
    await created.ticket.save(update_fields=["language"])
    link = await app_links.create_link(
        number=created.ticket.number, config=link_config(), now=datetime.now(UTC)
    )
    html = (await client.get(link.url.replace("https://12345.example.gov.cn", ""))).text
    assert '<html lang="en">' in html
    assert "Street lights" in html and "Accepted" in html  # category and status
    assert "Request accepted, ticket number" in html  # the timeline, stored in Chinese
    # The lookup page answers in the language of its form.
    assert '<html lang="zh-CN">' in (await client.get("/progress")).text


async def test_forged_expired_and_revoked_links_show_nothing(
    client: httpx.AsyncClient, config: IntakeConfig
):
    created = await factories.ticket(config, now=datetime.now(UTC))
    number = created.ticket.number
    link = await app_links.create_link(number=number, config=link_config(), now=datetime.now(UTC))
    token = link.url.rsplit("/", 1)[1]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (forged, "short", "x" * 200, "%3Cimg%20src%3Dx%3E", number):
        page = await client.get(f"/t/{bad}")
        assert page.status_code == 404, bad
        assert "链接无效或已过期" in page.text and number not in page.text
    await TicketLink.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert (await client.get(f"/t/{token}")).status_code == 404
    fresh = await app_links.create_link(number=number, config=link_config(), now=datetime.now(UTC))
    fresh_token = fresh.url.rsplit("/", 1)[1]
    assert (await client.get(f"/t/{fresh_token}")).status_code == 200
    assert await app_links.revoke_links(number=number, now=datetime.now(UTC)) == 1
    assert (await client.get(f"/t/{fresh_token}")).status_code == 404


async def test_citizen_creates_and_revokes_links_of_own_tickets(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    auth = await sign_in_app(client, fake_sms)
    number = (
        await client.post(
            "/api/v1/me/tickets",
            headers=auth,
            json={"description": "鼓楼区东街口天桥的电梯停运三天了", "location": "东街口"},
        )
    ).json()["number"]
    made = await client.post(f"/api/v1/me/tickets/{number}/link", headers=auth)
    assert made.status_code == 201
    url = made.json()["url"]
    assert url.startswith("https://12345.example.gov.cn/t/")
    path = url.removeprefix("https://12345.example.gov.cn")
    assert (await client.get(path)).status_code == 200
    assert (
        await client.delete(f"/api/v1/me/tickets/{number}/link", headers=auth)
    ).status_code == 204
    assert (await client.get(path)).status_code == 404


async def test_evaluation_through_the_link_page(client: httpx.AsyncClient, config: IntakeConfig):
    created = await factories.ticket(config, now=datetime.now(UTC))
    number = created.ticket.number
    link = await app_links.create_link(number=number, config=link_config(), now=datetime.now(UTC))
    path = link.url.removeprefix("https://12345.example.gov.cn")
    assert 'name="satisfaction"' not in (await client.get(path)).text  # not closed yet
    early = await client.post(f"{path}/evaluation", data={"satisfaction": "satisfied"})
    assert early.status_code == 303 and early.headers["location"].endswith("error=not_evaluable")
    assert "办结后才可评价" in (await client.get(early.headers["location"])).text
    odd = await client.get(path, params={"error": "<script>alert(1)</script>", "notice": "x"})
    assert "<script>alert(1)" not in odd.text and "请求未能完成" in odd.text
    await close(number)
    page = (await client.get(path)).text
    assert 'name="satisfaction"' in page and "已于11月28日修复路灯" in page
    done = await client.post(
        f"{path}/evaluation", data={"satisfaction": "basically_satisfied", "comment": "还行"}
    )
    assert done.status_code == 303 and done.headers["location"] == f"{path}?notice=thanks"
    after = (await client.get(done.headers["location"])).text
    assert "评价已提交" in after and "您的评价：基本满意" in after
    assert 'name="satisfaction"' not in after
    assert (await Ticket.get(number=number)).status == "evaluated"
    gone = await client.post("/t/" + "A" * 32 + "/evaluation", data={"satisfaction": "satisfied"})
    assert gone.status_code == 404


async def test_lookup_page(client: httpx.AsyncClient, config: IntakeConfig, settings):
    created = await factories.ticket(config, now=datetime.now(UTC), phone="13800138000")
    number = created.ticket.number
    form = await client.get("/progress", params={"number": number})
    assert form.status_code == 200 and f'value="{number}"' in form.text
    found = await client.post("/progress", data={"number": number.lower(), "phone_tail": "8000"})
    assert found.status_code == 200 and "已受理" in found.text and number in found.text
    assert 'name="satisfaction"' not in found.text
    wrong = await client.post("/progress", data={"number": number, "phone_tail": "1234"})
    unknown = await client.post(
        "/progress", data={"number": "FZ20990101000001", "phone_tail": "8000"}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert "未查询到该工单" in wrong.text and number in wrong.text  # the form keeps what was typed
    assert wrong.text.replace(number, "N") == unknown.text.replace("FZ20990101000001", "N")
    for _ in range(settings.progress_lookups_per_minute):
        await client.post("/progress", data={"number": number, "phone_tail": "0000"})
    limited = await client.post("/progress", data={"number": number, "phone_tail": "8000"})
    assert limited.status_code == 429 and "频繁" in limited.text


APP_LINKS = {
    "app_ios_app_ids": "ABCDE12345.cn.gov.fujian.hotline12345",
    "app_android_package": "cn.gov.fujian.hotline12345",
    "app_android_cert_sha256": "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42",
}


@pytest.fixture
def overrides(request: pytest.FixtureRequest) -> dict[str, object]:
    return getattr(request, "param", {})


@pytest.mark.parametrize("overrides", [APP_LINKS], indirect=True)
async def test_app_link_files(client: httpx.AsyncClient):
    apple = await client.get("/.well-known/apple-app-site-association")
    assert apple.status_code == 200 and apple.headers["content-type"] == "application/json"
    details = apple.json()["applinks"]["details"][0]
    assert details["appIDs"] == ["ABCDE12345.cn.gov.fujian.hotline12345"]
    assert details["components"][0]["/"] == "/t/*"
    android = (await client.get("/.well-known/assetlinks.json")).json()
    assert android[0]["target"]["package_name"] == "cn.gov.fujian.hotline12345"
    assert android[0]["relation"] == ["delegate_permission/common.handle_all_urls"]


def test_app_link_files_absent_until_configured():
    assert app_links.apple_app_site_association(link_config()) is None
    assert app_links.assetlinks(link_config(android_package="x")) is None


async def test_unconfigured_app_link_files_are_404(client: httpx.AsyncClient):
    response = await client.get("/.well-known/assetlinks.json")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
