"""One-time sign-in codes sent by SMS: issued, limited, checked once.

A code is six random digits kept only as a keyed digest, valid for a few minutes, for one sign-in
and for at most ``MAX_ATTEMPTS`` wrong guesses; a newer code replaces the older ones. Sending is
limited per phone and per client address, guessing per phone and per client address.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from hotline import crypto
from hotline.settings import Settings
from intake import ratelimit
from intake.errors import HotlineError, InvalidPhone, RateLimited
from intake.mobile_models import SmsCode
from intake.pii import mask_phone, normalize_mobile

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
GUESSES_PER_PHONE_PER_HOUR = 10


class SmsSendFailed(Exception):
    """The provider did not take the message (raised by every ``CodeSender``); may work later."""


class SmsRejected(SmsSendFailed):
    """The provider refused this number or template: the same send fails again."""


class CodeSender(Protocol):
    """What sign-in needs of an SMS provider; ``channels.sms`` implements it."""

    async def send_code(self, *, phone: str, code: str, ttl_seconds: int) -> None: ...


class SmsUnavailable(HotlineError):
    code = "sms_unavailable"
    status_code = 503
    message_key = "mobile_error.sms_unavailable"


class SmsTooSoon(RateLimited):
    code = "sms_too_soon"
    message_key = "mobile_error.sms_too_soon"


class CodeInvalid(HotlineError):
    code = "code_invalid"
    status_code = 401
    message_key = "mobile_error.code_invalid"


@dataclass(frozen=True)
class SmsLimits:
    ttl_seconds: int
    interval_seconds: int
    per_phone_per_day: int
    per_ip_per_hour: int
    login_attempts_per_ip_per_hour: int

    @classmethod
    def of(cls, settings: Settings) -> SmsLimits:
        return cls(
            ttl_seconds=settings.sms_code_ttl_seconds,
            interval_seconds=settings.sms_code_interval_seconds,
            per_phone_per_day=settings.sms_codes_per_phone_per_day,
            per_ip_per_hour=settings.sms_codes_per_ip_per_hour,
            login_attempts_per_ip_per_hour=settings.sms_login_attempts_per_ip_per_hour,
        )


def _phone(raw: str) -> str:
    phone = normalize_mobile(raw)
    if phone is None:
        raise InvalidPhone(raw)
    return phone


def _code_digest(code: str, phone_digest: str, secret_key: str) -> str:
    # Keyed, so a leaked table cannot be brute-forced through the million possible codes.
    return crypto.digest(f"{phone_digest}:{code}", secret_key=secret_key, purpose="sms-code")


async def request_code(
    *,
    phone: str,
    client_ip: str,
    sender: CodeSender,
    limits: SmsLimits,
    secret_key: str,
    now: datetime,
) -> int:
    """Send a new code to ``phone``; returns how many seconds it stays valid."""
    number = _phone(phone)
    digest = crypto.digest(number, secret_key=secret_key)
    await ratelimit.enforce(
        key=f"sms-ip:{client_ip}", limit=limits.per_ip_per_hour, window_seconds=3600, now=now
    )
    latest = await SmsCode.filter(phone_digest=digest).order_by("-id").first()
    if latest is not None and now - latest.created_at < timedelta(seconds=limits.interval_seconds):
        raise SmsTooSoon(mask_phone(number))
    try:
        await ratelimit.enforce(
            key=f"sms-phone:{digest}", limit=limits.per_phone_per_day, window_seconds=86400, now=now
        )
    except RateLimited as exc:
        raise SmsTooSoon(mask_phone(number)) from exc
    code = f"{secrets.randbelow(1_000_000):06d}"
    async with in_transaction():
        # Only the newest code works: an older message read later must not sign anyone in.
        await SmsCode.filter(phone_digest=digest, used_at=None).update(used_at=now)
        record = await SmsCode.create(
            phone_digest=digest,
            code_digest=_code_digest(code, digest, secret_key),
            expires_at=now + timedelta(seconds=limits.ttl_seconds),
            created_at=now,
        )
    try:
        # Sent while the citizen waits, not through the outbox: a code that arrives after it
        # expired is useless, and the app must be told at once to offer another way in.
        await sender.send_code(phone=number, code=code, ttl_seconds=limits.ttl_seconds)
    except SmsSendFailed as exc:
        logger.warning("sign-in code to %s not sent: %s", mask_phone(number), exc)
        await SmsCode.filter(id=record.id).update(used_at=now)
        raise SmsUnavailable(str(exc)) from exc
    return limits.ttl_seconds


async def consume_code(
    *, phone: str, code: str, client_ip: str, limits: SmsLimits, secret_key: str, now: datetime
) -> str:
    """The verified phone number, once: the code is spent whether or not sign-in follows."""
    number = _phone(phone)
    digest = crypto.digest(number, secret_key=secret_key)
    await ratelimit.enforce(
        key=f"sms-login-ip:{client_ip}",
        limit=limits.login_attempts_per_ip_per_hour,
        window_seconds=3600,
        now=now,
    )
    # Per phone as well, so guesses spread over many addresses still run out.
    await ratelimit.enforce(
        key=f"sms-login-phone:{digest}",
        limit=GUESSES_PER_PHONE_PER_HOUR,
        window_seconds=3600,
        now=now,
    )
    record = (
        await SmsCode.filter(phone_digest=digest, used_at=None, expires_at__gt=now)
        .order_by("-id")
        .first()
    )
    if record is None or record.attempts >= MAX_ATTEMPTS:
        raise CodeInvalid("no live code")
    expected = _code_digest(code.strip(), digest, secret_key)
    if not hmac.compare_digest(record.code_digest, expected):
        await SmsCode.filter(id=record.id).update(attempts=F("attempts") + 1)
        raise CodeInvalid("wrong code")
    # Two sign-ins racing with the same code: only one update finds it unused.
    if not await SmsCode.filter(id=record.id, used_at=None).update(used_at=now):
        raise CodeInvalid("code already used")
    return number
