"""Citizen sign-in for the mini-program and the app: who the citizen is, and their tokens.

Tokens are opaque random strings kept only as keyed digests in ``citizen_session``, one row per
signed-in device: checking one is a single indexed read, and revoking (sign-out, a copied refresh
token) takes effect at once, which a self-contained signed token could not do without a lookup
anyway.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from hotline import crypto
from hotline.settings import Settings
from intake import sms_codes, sql
from intake.citizens import citizen_for, remember_phone
from intake.errors import Unauthorized
from intake.mobile_models import CitizenSession, SmsCode
from intake.models import ChannelIdentity, Citizen

logger = logging.getLogger(__name__)

MINIPROGRAM = "miniprogram"  # identity: the mini-program openid
UNIONID = "wechat_unionid"  # identity: the WeChat unionid shared by the account's apps
APP_PHONE = "app_phone"  # identity: the keyed digest of a phone verified by SMS
ACCESS_PREFIX, REFRESH_PREFIX = "at_", "rt_"


class TokenExpired(Unauthorized):
    """The access token is past its time: the client should refresh, not sign in again."""

    code = "token_expired"
    message_key = "mobile_error.session_expired"


@dataclass(frozen=True)
class TokenPolicy:
    secret_key: str
    access_minutes: int
    refresh_days: int

    @classmethod
    def of(cls, settings: Settings) -> TokenPolicy:
        return cls(
            secret_key=settings.secret_key,
            access_minutes=settings.citizen_access_token_minutes,
            refresh_days=settings.citizen_refresh_token_days,
        )


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    citizen_id: int


@dataclass(frozen=True)
class CitizenPrincipal:
    """The signed-in citizen of a request, and the device session they used."""

    citizen_id: int
    session_id: int
    channel: str  # miniprogram | app
    identity_id: int | None


def _digest(token: str, policy_key: str, purpose: str) -> str:
    return crypto.digest(token, secret_key=policy_key, purpose=purpose)


def _new_tokens(policy: TokenPolicy, now: datetime) -> tuple[TokenPair, dict[str, Any]]:
    now = now.astimezone(UTC)
    access = ACCESS_PREFIX + crypto.new_token()
    refresh = REFRESH_PREFIX + crypto.new_token()
    pair = TokenPair(
        access_token=access,
        access_expires_at=now + timedelta(minutes=policy.access_minutes),
        refresh_token=refresh,
        refresh_expires_at=now + timedelta(days=policy.refresh_days),
        citizen_id=0,
    )
    columns: dict[str, Any] = {
        "access_digest": _digest(access, policy.secret_key, "citizen-access"),
        "access_expires_at": pair.access_expires_at,
        "refresh_digest": _digest(refresh, policy.secret_key, "citizen-refresh"),
        "refresh_expires_at": pair.refresh_expires_at,
    }
    return pair, columns


async def open_session(
    *,
    citizen: Citizen,
    identity: ChannelIdentity | None,
    channel: str,
    policy: TokenPolicy,
    now: datetime,
) -> TokenPair:
    pair, columns = _new_tokens(policy, now)
    await CitizenSession.create(citizen=citizen, identity=identity, channel=channel, **columns)
    return replace(pair, citizen_id=citizen.id)


async def authenticate(*, token: str, secret_key: str, now: datetime) -> CitizenPrincipal:
    """The citizen behind an access token; Unauthorized (or TokenExpired) otherwise."""
    if not token.startswith(ACCESS_PREFIX):
        raise Unauthorized("not an access token")
    session = await sql.first(  # every signed-in request: a fixed statement (intake.sql)
        CitizenSession,
        "SELECT * FROM citizen_session WHERE access_digest = $1",
        _digest(token, secret_key, "citizen-access"),
    )
    if session is None or session.revoked_at is not None:
        raise Unauthorized("unknown or revoked token")
    if session.access_expires_at <= now:
        raise TokenExpired("access token expired")
    return CitizenPrincipal(
        citizen_id=session.citizen_id,  # type: ignore[attr-defined]
        session_id=session.id,
        channel=session.channel,
        identity_id=session.identity_id,  # type: ignore[attr-defined]
    )


async def refresh(*, refresh_token: str, policy: TokenPolicy, now: datetime) -> TokenPair:
    """New tokens for a live refresh token, which is spent (rotation)."""
    digest = _digest(refresh_token, policy.secret_key, "citizen-refresh")
    session = await CitizenSession.get_or_none(refresh_digest=digest)
    if session is None:
        # A refresh token that was already rotated away is being replayed: someone holds a copy.
        # Revoke the session so neither the copy nor the device can go on with it.
        revoked = await CitizenSession.filter(
            previous_refresh_digest=digest, revoked_at=None
        ).update(revoked_at=now.astimezone(UTC))
        if revoked:
            logger.warning("a spent refresh token was presented again: its session is revoked")
        raise Unauthorized("unknown refresh token")
    if session.revoked_at is not None or session.refresh_expires_at <= now:
        raise Unauthorized("refresh token revoked or expired")
    pair, columns = _new_tokens(policy, now)
    rotated = await CitizenSession.filter(
        id=session.id, refresh_digest=digest, revoked_at=None
    ).update(previous_refresh_digest=digest, **columns)
    if not rotated:  # a concurrent refresh with the same token won
        raise Unauthorized("refresh token already used")
    return replace(pair, citizen_id=session.citizen_id)  # type: ignore[attr-defined]


async def logout(*, principal: CitizenPrincipal, now: datetime) -> None:
    """Revoke the session of this access token (and its refresh token)."""
    await CitizenSession.filter(id=principal.session_id).update(revoked_at=now.astimezone(UTC))


async def _identity(channel: str, external_id: str) -> ChannelIdentity | None:
    return await ChannelIdentity.get_or_none(
        channel=channel, external_id=external_id
    ).select_related("citizen")


async def _link_unionid(citizen: Citizen, unionid: str) -> None:
    linked = await _identity(UNIONID, unionid)
    if linked is None:
        # IntegrityError: a concurrent sign-in of the same person linked it.
        with contextlib.suppress(IntegrityError):
            await ChannelIdentity.create(channel=UNIONID, external_id=unionid, citizen=citizen)
    elif linked.citizen.id != citizen.id:
        # Two records of one person (the mini-program was used before the unionid was known).
        # Merging people's tickets is a staff decision, so both stay and this is logged.
        logger.warning(
            "unionid belongs to citizen %s, mini-program user is citizen %s",
            linked.citizen.id,
            citizen.id,
        )


async def sign_in_miniprogram(
    *, openid: str, unionid: str, policy: TokenPolicy, now: datetime
) -> TokenPair:
    """Tokens for a mini-program user (code2Session already done by the channel).

    A first-time user whose unionid is known (from the official account) is the same citizen.
    """
    identity = await _identity(MINIPROGRAM, openid)
    if identity is None:
        known = await _identity(UNIONID, unionid) if unionid else None
        try:
            async with in_transaction():
                citizen = known.citizen if known is not None else await Citizen.create()
                await ChannelIdentity.create(
                    channel=MINIPROGRAM, external_id=openid, citizen=citizen
                )
        except IntegrityError:  # two first sign-ins raced; the other one created it
            pass
        identity = await _identity(MINIPROGRAM, openid)
        assert identity is not None
    if unionid:
        await _link_unionid(identity.citizen, unionid)
    return await open_session(
        citizen=identity.citizen, identity=identity, channel=MINIPROGRAM, policy=policy, now=now
    )


async def sign_in_with_code(
    *,
    phone: str,
    code: str,
    client_ip: str,
    limits: sms_codes.SmsLimits,
    policy: TokenPolicy,
    now: datetime,
) -> TokenPair:
    """Tokens for the app after an SMS code: the same phone is the same citizen on any device."""
    number = await sms_codes.consume_code(
        phone=phone,
        code=code,
        client_ip=client_ip,
        limits=limits,
        secret_key=policy.secret_key,
        now=now,
    )
    key = crypto.digest(number, secret_key=policy.secret_key)
    citizen = await citizen_for(channel=APP_PHONE, external_id=key)
    await remember_phone(citizen=citizen, phone=number, secret_key=policy.secret_key)
    identity = await ChannelIdentity.get(channel=APP_PHONE, external_id=key)
    return await open_session(
        citizen=citizen, identity=identity, channel="app", policy=policy, now=now
    )


async def purge(*, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
    """Housekeeping: drop sessions and sign-in codes that can no longer be used."""
    cutoff = now.astimezone(UTC) - keep
    sessions = await CitizenSession.filter(refresh_expires_at__lt=cutoff).delete()
    sessions += await CitizenSession.filter(revoked_at__lt=cutoff).delete()
    return sessions + await SmsCode.filter(expires_at__lt=cutoff).delete()
