"""Citizen sign-in for the mini-program (WeChat) and the app (SMS code), refresh and sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.auth import (
    CitizenDep,
    MiniProgramDep,
    SmsLimitsDep,
    SmsSenderDep,
    TokenPolicyDep,
)
from api.deps import SettingsDep, client_ip, now
from api.mobile_schemas import (
    RefreshIn,
    SmsCodeIn,
    SmsCodeOut,
    SmsLoginIn,
    TokenOut,
    WechatLoginIn,
)
from channels import miniprogram
from intake import citizen_auth, sms_codes
from intake.catalogue import text

router = APIRouter(prefix="/api/v1/auth", tags=["mobile: sign-in"])


@router.post(
    "/wechat-miniprogram",
    response_model=TokenOut,
    summary="Mini-program sign-in: wx.login() code → tokens",
    description="code2Session against WeChat; the same person's official-account identity is "
    "linked by unionid when WeChat gives one.",
)
async def wechat_miniprogram(
    body: WechatLoginIn, config: MiniProgramDep, policy: TokenPolicyDep
) -> TokenOut:
    pair = await miniprogram.sign_in(code=body.code, config=config, policy=policy, now=now())
    return TokenOut.of(pair)


@router.post(
    "/sms-code",
    response_model=SmsCodeOut,
    summary="App sign-in, step 1: send a one-time code by SMS",
    description="Limited per phone (one a minute, a few a day) and per client address.",
)
async def sms_code(
    body: SmsCodeIn,
    request: Request,
    settings: SettingsDep,
    sender: SmsSenderDep,
    limits: SmsLimitsDep,
) -> SmsCodeOut:
    ttl = await sms_codes.request_code(
        phone=body.phone,
        client_ip=client_ip(request),
        sender=sender,
        limits=limits,
        secret_key=settings.secret_key,
        now=now(),
    )
    return SmsCodeOut(expires_in=ttl, message=text("mobile_sms.sent"))


@router.post(
    "/sms-login",
    response_model=TokenOut,
    summary="App sign-in, step 2: the code → tokens",
    description="A code works once, for a few minutes and five tries; the same phone is the "
    "same citizen on every device.",
)
async def sms_login(
    body: SmsLoginIn, request: Request, limits: SmsLimitsDep, policy: TokenPolicyDep
) -> TokenOut:
    pair = await citizen_auth.sign_in_with_code(
        phone=body.phone,
        code=body.code,
        client_ip=client_ip(request),
        limits=limits,
        policy=policy,
        now=now(),
    )
    return TokenOut.of(pair)


@router.post(
    "/refresh",
    response_model=TokenOut,
    summary="New tokens for a refresh token (which is spent)",
    description="Presenting a refresh token that was already used revokes the whole session.",
)
async def refresh(body: RefreshIn, policy: TokenPolicyDep) -> TokenOut:
    pair = await citizen_auth.refresh(refresh_token=body.refresh_token, policy=policy, now=now())
    return TokenOut.of(pair)


@router.post("/logout", status_code=204, summary="Sign out: revoke this device's tokens")
async def logout(citizen: CitizenDep) -> None:
    await citizen_auth.logout(principal=citizen, now=now())
