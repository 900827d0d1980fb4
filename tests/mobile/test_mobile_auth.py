"""Sign-in: mini-program (code2Session, unionid linking), app (SMS codes), tokens."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from channels.sms.aliyun import signature
from channels.sms.console import ConsoleSms
from hotline.settings import Settings
from intake import citizen_auth
from intake.mobile_models import CitizenSession, SmsCode
from intake.models import ChannelIdentity, Citizen
from tests.mobile.conftest import error_of, new_openid, new_phone, sign_in_app, sign_in_mp
from tests.mobile.fakes import FakeAliyunSms, FakeWechatLogin

ME = "/api/v1/me/tickets"


async def test_miniprogram_sign_in_creates_one_citizen_per_person(
    client: httpx.AsyncClient, fake_wechat: FakeWechatLogin
):
    openid = new_openid()
    first = await sign_in_mp(client, fake_wechat, openid, unionid="oUNION-1")
    again = await sign_in_mp(client, fake_wechat, openid, unionid="oUNION-1")
    assert (await client.get(ME, headers=first)).status_code == 200
    assert (await client.get(ME, headers=again)).status_code == 200
    identities = await ChannelIdentity.all()
    assert {(i.channel, i.external_id) for i in identities} == {
        ("miniprogram", openid),
        ("wechat_unionid", "oUNION-1"),
    }
    assert await Citizen.all().count() == 1
    # WeChat's request carried the app's credentials and the one-time code.
    assert fake_wechat.requests[0][1].startswith("/sns/jscode2session?")


async def test_miniprogram_user_is_linked_to_the_official_account_citizen_by_unionid(
    client: httpx.AsyncClient, fake_wechat: FakeWechatLogin
):
    follower = await Citizen.create()
    await ChannelIdentity.create(channel="wechat", external_id="oOA-openid", citizen=follower)
    await ChannelIdentity.create(channel="wechat_unionid", external_id="oUNION-2", citizen=follower)
    await sign_in_mp(client, fake_wechat, "oMP-new-user", unionid="oUNION-2")
    identity = await ChannelIdentity.get(channel="miniprogram", external_id="oMP-new-user")
    assert identity.citizen_id == follower.id  # type: ignore[attr-defined]
    assert await Citizen.all().count() == 1


async def test_miniprogram_sign_in_failures(
    client: httpx.AsyncClient, fake_wechat: FakeWechatLogin
):
    unknown = await client.post("/api/v1/auth/wechat-miniprogram", json={"code": "forged"})
    assert unknown.status_code == 401 and error_of(unknown)["code"] == "wechat_login_failed"
    code = fake_wechat.issue("once", openid=new_openid())
    assert (await client.post("/api/v1/auth/wechat-miniprogram", json={"code": code})).is_success
    reused = await client.post("/api/v1/auth/wechat-miniprogram", json={"code": code})
    assert reused.status_code == 401
    fake_wechat.fail_next(502, {"oops": True})
    down = await client.post("/api/v1/auth/wechat-miniprogram", json={"code": "any"})
    assert down.status_code == 503 and error_of(down)["code"] == "wechat_unavailable"
    fake_wechat.fail_next(200, {"errcode": -1, "errmsg": "system busy"})
    busy = await client.post("/api/v1/auth/wechat-miniprogram", json={"code": "any"})
    assert busy.status_code == 503
    assert "微信" in error_of(busy)["message"]
    assert await Citizen.all().count() == 1


@pytest.fixture
def overrides(request: pytest.FixtureRequest) -> dict[str, object]:
    return getattr(request, "param", {})


@pytest.mark.parametrize("overrides", [{"miniprogram_app_id": ""}], indirect=True)
async def test_miniprogram_sign_in_off_without_an_app_id(client: httpx.AsyncClient):
    response = await client.post("/api/v1/auth/wechat-miniprogram", json={"code": "x"})
    assert response.status_code == 503 and error_of(response)["code"] == "not_configured"


async def test_sms_sign_in_same_phone_is_same_citizen_on_every_device(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    phone = new_phone()
    phone_a = await sign_in_app(client, fake_sms, phone)
    await SmsCode.filter().update(created_at=datetime.now(UTC) - timedelta(minutes=5))
    phone_b = await sign_in_app(client, fake_sms, phone)
    assert phone_a != phone_b
    assert await Citizen.all().count() == 1
    identity = await ChannelIdentity.get(channel="app_phone")
    assert phone not in identity.external_id and len(identity.external_id) == 64
    citizen = await Citizen.get()
    assert citizen.phone_masked == phone[:3] + "****" + phone[-4:]
    # What went to the provider: a signed SendSms with the template and the code only.
    sent = fake_sms.sent[0]
    assert sent["PhoneNumbers"] == phone and sent["TemplateCode"] == "SMS_000001"
    assert sent["SignName"] == "福建12345" and sent["TemplateParam"].startswith('{"code":"')


async def test_a_code_works_once_and_not_after_it_expired(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    phone = new_phone()
    assert (await client.post("/api/v1/auth/sms-code", json={"phone": phone})).is_success
    code = fake_sms.last_code(phone)
    body = {"phone": phone, "code": code}
    assert (await client.post("/api/v1/auth/sms-login", json=body)).status_code == 200
    replay = await client.post("/api/v1/auth/sms-login", json=body)
    assert replay.status_code == 401 and error_of(replay)["code"] == "code_invalid"
    await SmsCode.filter().update(created_at=datetime.now(UTC) - timedelta(minutes=2))
    assert (await client.post("/api/v1/auth/sms-code", json={"phone": phone})).is_success
    await SmsCode.filter(used_at=None).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    late = {"phone": phone, "code": fake_sms.last_code(phone)}
    assert (await client.post("/api/v1/auth/sms-login", json=late)).status_code == 401


async def test_five_wrong_codes_burn_the_code(client: httpx.AsyncClient, fake_sms: FakeAliyunSms):
    phone = new_phone()
    await client.post("/api/v1/auth/sms-code", json={"phone": phone})
    code = fake_sms.last_code(phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        response = await client.post("/api/v1/auth/sms-login", json={"phone": phone, "code": wrong})
        assert response.status_code == 401
    right = await client.post("/api/v1/auth/sms-login", json={"phone": phone, "code": code})
    assert right.status_code == 401 and error_of(right)["code"] == "code_invalid"
    assert await CitizenSession.all().count() == 0


async def test_guessing_is_limited_per_phone(client: httpx.AsyncClient, fake_sms: FakeAliyunSms):
    phone = new_phone()
    for _ in range(10):
        body = {"phone": phone, "code": "000000"}
        assert (await client.post("/api/v1/auth/sms-login", json=body)).status_code == 401
    limited = await client.post("/api/v1/auth/sms-login", json={"phone": phone, "code": "1" * 6})
    assert limited.status_code == 429 and error_of(limited)["code"] == "rate_limited"


@pytest.mark.parametrize("overrides", [{"sms_codes_per_ip_per_hour": 6}], indirect=True)
async def test_codes_are_limited_per_phone_and_per_client(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms, settings: Settings
):
    phone = new_phone()
    assert (await client.post("/api/v1/auth/sms-code", json={"phone": phone})).is_success
    again = await client.post("/api/v1/auth/sms-code", json={"phone": phone})
    assert again.status_code == 429 and error_of(again)["code"] == "sms_too_soon"
    assert "频繁" in error_of(again)["message"]
    assert len(fake_sms.sent) == 1
    for _ in range(settings.sms_codes_per_ip_per_hour - 2):
        assert (await client.post("/api/v1/auth/sms-code", json={"phone": new_phone()})).is_success
    blocked = await client.post("/api/v1/auth/sms-code", json={"phone": new_phone()})
    assert blocked.status_code == 429
    assert len(fake_sms.sent) == settings.sms_codes_per_ip_per_hour - 1


async def test_provider_failure_is_reported_and_leaves_no_usable_code(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    phone = new_phone()
    fake_sms.fail_next(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发小时级流控"})
    response = await client.post("/api/v1/auth/sms-code", json={"phone": phone})
    assert response.status_code == 503 and error_of(response)["code"] == "sms_unavailable"
    assert await SmsCode.filter(used_at=None).count() == 0


async def test_bad_phone_numbers_are_refused(client: httpx.AsyncClient, fake_sms: FakeAliyunSms):
    for phone in ("12345678901", "1380013800x", "+1 415 555 0100"):
        response = await client.post("/api/v1/auth/sms-code", json={"phone": phone})
        assert response.status_code == 422, phone
    assert fake_sms.sent == []


async def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_session(
    client: httpx.AsyncClient, fake_wechat: FakeWechatLogin
):
    code = fake_wechat.issue("c-refresh", openid=new_openid())
    tokens = (await client.post("/api/v1/auth/wechat-miniprogram", json={"code": code})).json()
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["access_token"] != tokens["access_token"]
    new_auth = {"Authorization": f"Bearer {new['access_token']}"}
    assert (await client.get(ME, headers=new_auth)).status_code == 200
    old_auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.get(ME, headers=old_auth)).status_code == 401
    # The spent refresh token comes back: a copy exists somewhere, the session ends for all.
    replay = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert replay.status_code == 401
    assert (await client.get(ME, headers=new_auth)).status_code == 401
    dead = await client.post("/api/v1/auth/refresh", json={"refresh_token": new["refresh_token"]})
    assert dead.status_code == 401


async def test_logout_expiry_and_forged_tokens_are_refused(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    auth = await sign_in_app(client, fake_sms)
    assert (await client.get(ME, headers=auth)).status_code == 200
    await CitizenSession.all().update(access_expires_at=datetime.now(UTC) - timedelta(seconds=1))
    expired = await client.get(ME, headers=auth)
    assert expired.status_code == 401 and error_of(expired)["code"] == "token_expired"
    await CitizenSession.all().update(access_expires_at=datetime.now(UTC) + timedelta(minutes=5))
    assert (await client.post("/api/v1/auth/logout", headers=auth)).status_code == 204
    assert (await client.get(ME, headers=auth)).status_code == 401
    for forged in ("at_" + "A" * 43, "rt_whatever", auth["Authorization"][7:-1], ""):
        response = await client.get(ME, headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code in (401, 403), forged
    assert (await client.get(ME)).status_code == 401


async def test_console_provider_logs_the_code(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="hotline.sms"):
        await ConsoleSms().send_code(phone="13800138000", code="402817", ttl_seconds=300)
    assert "402817" in caplog.text and "5分钟" in caplog.text
    assert "13800138000" not in caplog.text


def test_aliyun_signature_matches_the_documented_example():
    # The example of Alibaba Cloud's SMS signature documentation (GET, Format=XML).
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert signature(params, secret="testSecret", method="GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_production_refuses_the_console_provider_and_missing_credentials():
    from pydantic import ValidationError

    base = {"mode": "production", "secret_key": "x" * 40}
    with pytest.raises(ValidationError, match="development only"):
        Settings(**base, sms_provider="console")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="SMS_ACCESS_KEY_ID"):
        Settings(**base, sms_provider="aliyun")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="S3_ENDPOINT_URL"):
        Settings(**base, media_storage="s3")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="MINIPROGRAM_APP_SECRET"):
        Settings(**base, miniprogram_app_id="wx123")  # type: ignore[arg-type]
    assert Settings(**base).effective_sms_provider == ""  # type: ignore[arg-type]
    assert Settings().effective_sms_provider == "console"


async def test_housekeeping_drops_dead_sessions_and_codes(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    await sign_in_app(client, fake_sms)
    await sign_in_app(client, fake_sms)
    first = await CitizenSession.all().order_by("id").first()
    assert first is not None
    await CitizenSession.filter(id=first.id).update(
        refresh_expires_at=datetime.now(UTC) - timedelta(days=2)
    )
    assert await citizen_auth.purge(now=datetime.now(UTC)) == 1
    assert await CitizenSession.all().count() == 1 and await SmsCode.all().count() == 2
    later = datetime.now(UTC) + timedelta(days=2)
    assert await citizen_auth.purge(now=later) == 2  # the codes, long expired by then
