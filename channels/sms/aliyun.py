"""Alibaba Cloud SMS (dysmsapi, API version 2017-05-25), action ``SendSms``.

RPC-style request signed with signature version 1.0 (HMAC-SHA1), as Alibaba Cloud documents it:
every parameter but ``Signature``, sorted by name, each name and value percent-encoded per
RFC 3986 (space → %20, ``*`` → %2A, ``~`` kept), joined as ``k=v&…``; the string to sign is
``METHOD&%2F&`` + the percent-encoded query; the key is the AccessKey secret + ``&``; the
signature is the Base64 of the HMAC. The answer is JSON: ``Code`` is ``OK`` on success, otherwise
an error code such as ``isv.BUSINESS_LIMIT_CONTROL`` with a ``Message``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from hotline.http import async_client
from hotline.settings import Settings
from intake.pii import mask_phone
from intake.sms_codes import SmsRejected, SmsSendFailed

API_VERSION = "2017-05-25"


def percent_encode(value: str) -> str:
    return quote(value, safe="~")


def signature(params: Mapping[str, str], *, secret: str, method: str) -> str:
    """The ``Signature`` parameter for ``params`` (which must not contain it)."""
    query = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    mac = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class AliyunSms:
    """Sends sign-in codes with an approved signature (签名) and template (模板)."""

    def __init__(
        self,
        *,
        api_base: str,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_code: str,
        timeout: float,
        region_id: str = "cn-hangzhou",
        notice_template_code: str = "",
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.template_code = template_code
        self.notice_template_code = notice_template_code
        self.timeout = timeout
        self.region_id = region_id

    @classmethod
    def of(cls, settings: Settings) -> AliyunSms:
        return cls(
            api_base=settings.sms_api_base,
            access_key_id=settings.sms_access_key_id,
            access_key_secret=settings.sms_access_key_secret,
            sign_name=settings.sms_sign_name,
            template_code=settings.sms_template_code,
            timeout=settings.sms_api_timeout_seconds,
            notice_template_code=settings.sms_notice_template_code,
        )

    def signed_params(
        self,
        *,
        phone: str,
        code: str = "",
        now: datetime,
        nonce: str,
        template_code: str = "",
        template_param: dict[str, str] | None = None,
    ) -> dict[str, str]:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": self.region_id,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code or self.template_code,
            "TemplateParam": json.dumps(
                template_param if template_param is not None else {"code": code},
                ensure_ascii=False,
                separators=(",", ":"),
            ),
            "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        params["Signature"] = signature(params, secret=self.access_key_secret, method="POST")
        return params

    async def send_code(self, *, phone: str, code: str, ttl_seconds: int) -> None:
        # The template holds the wording; only the code travels (TemplateParam {"code": …}).
        params = self.signed_params(
            phone=phone, code=code, now=datetime.now(UTC), nonce=str(uuid.uuid4())
        )
        await self._post(phone, params)

    async def send_notice(self, *, phone: str, text: str) -> None:
        """A notification through the notice template, whose one variable is ${content}."""
        if not self.notice_template_code:
            raise SmsRejected("no notice template configured (HOTLINE_SMS_NOTICE_TEMPLATE_CODE)")
        params = self.signed_params(
            phone=phone,
            now=datetime.now(UTC),
            nonce=str(uuid.uuid4()),
            template_code=self.notice_template_code,
            template_param={"content": text[:500]},
        )
        await self._post(phone, params)

    async def _post(self, phone: str, params: dict[str, str]) -> None:
        timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, 3.0))
        try:
            async with async_client(timeout=timeout) as http:
                response = await http.post(self.api_base + "/", data=params)
        except httpx.HTTPError as exc:
            raise SmsSendFailed(f"SendSms: {type(exc).__name__}") from exc
        try:
            answer = response.json()
        except ValueError as exc:
            raise SmsSendFailed(f"SendSms: HTTP {response.status_code}, not JSON") from exc
        result = answer.get("Code") if isinstance(answer, dict) else None
        if response.status_code != 200 or result != "OK":
            detail = answer.get("Message", "") if isinstance(answer, dict) else ""
            message = f"SendSms to {mask_phone(phone)}: {result} {detail}".strip()
            # isv.* codes are about this number or template (invalid, blacklisted, over the
            # daily limit for it): the same send fails again. Others are the service's trouble.
            if isinstance(result, str) and result.startswith("isv."):
                raise SmsRejected(message)
            raise SmsSendFailed(message)
