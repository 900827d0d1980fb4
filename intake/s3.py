"""A small S3 client (PUT and GET object) signed with AWS Signature Version 4.

Path-style requests (``<endpoint>/<bucket>/<key>``), which every S3-compatible store accepts
(MinIO, Ceph, and the object stores of Chinese government clouds), with the payload's SHA-256
signed. Written against AWS's "Signature Calculations for the Authorization Header" and checked
with its published examples (tests/mobile/test_mobile_storage.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from hotline.http import async_client
from hotline.settings import Settings
from intake.storage import ObjectMissing, StorageError, StorageKind, check_key

ALGORITHM = "AWS4-HMAC-SHA256"


def uri_encode(value: str, *, keep_slash: bool = False) -> str:
    """RFC 3986 encoding as S3 wants it: everything but A-Z a-z 0-9 - _ . ~ (and / in paths)."""
    return quote(value, safe="-_.~/" if keep_slash else "-_.~")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def authorization(
    *,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    payload_sha256: str,
    access_key: str,
    secret_key: str,
    region: str,
    amz_date: str,
    service: str = "s3",
) -> str:
    """The ``Authorization`` header for a request; ``path`` is already URI-encoded and every
    header in ``headers`` is signed (``host`` and ``x-amz-date`` must be among them)."""
    canonical_headers = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed = ";".join(sorted(canonical_headers))
    canonical_query = "&".join(
        f"{uri_encode(k)}={uri_encode(v)}" for k, v in sorted(query, key=lambda kv: kv)
    )
    canonical = "\n".join(
        [
            method,
            path,
            canonical_query,
            "".join(f"{name}:{canonical_headers[name]}\n" for name in sorted(canonical_headers)),
            signed,
            payload_sha256,
        ]
    )
    day = amz_date[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(("AWS4" + secret_key).encode(), day)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    credential = f"Credential={access_key}/{scope}"
    return f"{ALGORITHM} {credential},SignedHeaders={signed},Signature={signature}"


class S3Storage:
    kind = StorageKind.S3

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        region: str,
        access_key: str,
        secret_key: str,
        timeout: float = 30.0,
    ) -> None:
        self.endpoint = httpx.URL(endpoint.rstrip("/"))
        self.bucket = bucket
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.timeout = timeout

    @classmethod
    def of(cls, settings: Settings) -> S3Storage:
        return cls(
            endpoint=settings.s3_endpoint_url,
            bucket=settings.s3_bucket,
            region=settings.s3_region,
            access_key=settings.s3_access_key_id,
            secret_key=settings.s3_secret_access_key,
        )

    def _signed(
        self, method: str, key: str, payload: bytes, extra: Mapping[str, str], now: datetime
    ) -> tuple[str, dict[str, str]]:
        base_path = self.endpoint.path.rstrip("/")
        path = uri_encode(f"{base_path}/{self.bucket}/{check_key(key)}", keep_slash=True)
        amz_date = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        headers = {
            "host": self.endpoint.netloc.decode(),
            "x-amz-content-sha256": hashlib.sha256(payload).hexdigest(),
            "x-amz-date": amz_date,
            **extra,
        }
        headers["authorization"] = authorization(
            method=method,
            path=path,
            query=(),
            headers=headers,
            payload_sha256=headers["x-amz-content-sha256"],
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            amz_date=amz_date,
        )
        return str(self.endpoint.copy_with(raw_path=path.encode())), headers

    async def _send(
        self, method: str, key: str, payload: bytes = b"", extra: Mapping[str, str] | None = None
    ) -> httpx.Response:
        url, headers = self._signed(method, key, payload, extra or {}, datetime.now(UTC))
        try:
            async with async_client(timeout=self.timeout) as http:
                return await http.request(method, url, headers=headers, content=payload)
        except httpx.HTTPError as exc:
            raise StorageError(f"S3 {method} {key}: {type(exc).__name__}") from exc

    async def put(self, *, key: str, data: bytes, content_type: str) -> None:
        response = await self._send("PUT", key, data, {"content-type": content_type})
        if response.status_code != 200:
            raise StorageError(f"S3 PUT {key}: HTTP {response.status_code} {response.text[:200]}")

    async def get(self, *, key: str) -> bytes:
        response = await self._send("GET", key)
        if response.status_code == 404:
            raise ObjectMissing(key)
        if response.status_code != 200:
            raise StorageError(f"S3 GET {key}: HTTP {response.status_code}")
        return response.content
