"""Development SMS: the message goes to the log instead of a phone."""

from __future__ import annotations

import logging

from intake.catalogue import text
from intake.pii import mask_phone
from intake.sms_codes import SmsRejected, SmsSendFailed

logger = logging.getLogger("hotline.sms")


class ConsoleSms:
    """Logs each message; settings refuse it in production (anyone reading logs could sign in)."""

    async def send_code(self, *, phone: str, code: str, ttl_seconds: int) -> None:
        message = text("mobile_sms.code", code=code, minutes=max(1, ttl_seconds // 60))
        logger.warning("SMS to %s (console provider, not sent): %s", mask_phone(phone), message)

    async def send_notice(self, *, phone: str, text: str) -> None:
        logger.warning("SMS to %s (console provider, not sent): %s", mask_phone(phone), text)


class DisabledSms:
    """SMS sign-in is off (no provider configured outside development)."""

    async def send_code(self, *, phone: str, code: str, ttl_seconds: int) -> None:
        raise SmsSendFailed("no SMS provider configured (HOTLINE_SMS_PROVIDER)")

    async def send_notice(self, *, phone: str, text: str) -> None:
        raise SmsRejected("no SMS provider configured (HOTLINE_SMS_PROVIDER)")
