"""Fixtures of the mobile backend tests: settings wired to local fakes of WeChat, Alibaba Cloud
SMS and S3, an ASGI client, and signed-in citizens."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise

from api.app import create_app
from hotline.settings import Settings
from tests.conftest import POSTGRES_URL, make_settings
from tests.mobile.fakes import FakeAliyunSms, FakeS3, FakeWechatLogin

DATA = Path(__file__).parent / "data"
CLIENT_IP = "203.0.113.9"
_phones = itertools.count(1)
_openids = itertools.count(1)


@pytest.fixture
def fake_wechat() -> Iterator[FakeWechatLogin]:
    fake = FakeWechatLogin()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_sms() -> Iterator[FakeAliyunSms]:
    fake = FakeAliyunSms()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_s3() -> Iterator[FakeS3]:
    fake = FakeS3()
    fake.start()
    yield fake
    fake.stop()


def mobile_overrides(wechat: FakeWechatLogin, sms: FakeAliyunSms) -> dict[str, object]:
    return {
        "miniprogram_app_id": wechat.app_id,
        "miniprogram_app_secret": wechat.secret,
        "miniprogram_api_base": wechat.base_url,
        "sms_provider": "aliyun",
        "sms_api_base": sms.base_url,
        "sms_access_key_id": sms.access_key_id,
        "sms_access_key_secret": sms.access_key_secret,
        "sms_sign_name": "福建12345",
        "sms_template_code": "SMS_000001",
        "public_base_url": "https://12345.example.gov.cn",
    }


@pytest.fixture
def overrides() -> dict[str, object]:
    """Extra settings of one test (override this fixture or update the dict before use)."""
    return {}


@pytest.fixture
def settings(
    tmp_path: Path,
    template_dir: Path,
    fake_wechat: FakeWechatLogin,
    fake_sms: FakeAliyunSms,
    overrides: dict[str, object],
) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if not POSTGRES_URL:
        shutil.copy(template_dir / "hotline.sqlite3", data_dir / "hotline.sqlite3")
    return make_settings(data_dir, **{**mobile_overrides(fake_wechat, fake_sms), **overrides})


@pytest.fixture
async def db(db: None) -> AsyncIterator[None]:
    # The shared fixture truncates citizens and tickets (and, by CASCADE, what refers to them);
    # sign-in codes refer to neither.
    if POSTGRES_URL:
        await Tortoise.get_connection("default").execute_script("TRUNCATE sms_code;")
    yield


@pytest.fixture
async def client(db: None, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, manage_db=False)
    transport = httpx.ASGITransport(app=app, client=(CLIENT_IP, 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def new_phone() -> str:
    return f"139{next(_phones):08d}"


def new_openid() -> str:
    return f"oMP{next(_openids):025d}"


async def sign_in_app(
    client: httpx.AsyncClient, sms: FakeAliyunSms, phone: str | None = None
) -> dict[str, str]:
    """Sign in through the app's SMS flow; the Authorization header of the new session."""
    phone = phone or new_phone()
    sent = await client.post("/api/v1/auth/sms-code", json={"phone": phone})
    assert sent.status_code == 200, sent.text
    login = await client.post(
        "/api/v1/auth/sms-login", json={"phone": phone, "code": sms.last_code(phone)}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def sign_in_mp(
    client: httpx.AsyncClient, wechat: FakeWechatLogin, openid: str | None = None, unionid: str = ""
) -> dict[str, str]:
    """Sign in through the mini-program; the Authorization header of the new session."""
    openid = openid or new_openid()
    code = wechat.issue(f"code-{openid}-{len(wechat.codes)}", openid=openid, unionid=unionid)
    login = await client.post("/api/v1/auth/wechat-miniprogram", json={"code": code})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def error_of(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]
