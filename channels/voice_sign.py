"""Request signatures of the call-centre platform: HMAC-SHA256 with a shared secret.

The platform sends ``X-Hotline-Timestamp`` (Unix seconds) and ``X-Hotline-Signature``, the hex
HMAC-SHA256 under ``HOTLINE_VOICE_CALL_SECRET`` of::

    <timestamp>\n<METHOD>\n<path, with ?query if any>\n<hex sha256 of the raw body>

Signing the body's hash covers multipart uploads byte for byte; the timestamp window stops a
captured request from being replayed later (call ids make a replay inside it a no-op).
"""

from __future__ import annotations

import hashlib
import hmac
import time


class BadSignature(Exception):
    """Missing, stale or wrong signature."""


def sign(*, secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = "\n".join([timestamp, method.upper(), path, hashlib.sha256(body).hexdigest()])
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify(
    *,
    secret: str,
    timestamp: str,
    signature: str,
    method: str,
    path: str,
    body: bytes,
    window_seconds: int,
    now: float | None = None,
) -> None:
    """Raise ``BadSignature`` unless the request is signed with ``secret`` and fresh."""
    if not secret:
        raise BadSignature("the phone channel has no secret configured")
    if not timestamp.isdigit():
        raise BadSignature("bad timestamp")
    if abs((now if now is not None else time.time()) - int(timestamp)) > window_seconds:
        raise BadSignature("timestamp outside the window")
    expected = sign(secret=secret, timestamp=timestamp, method=method, path=path, body=body)
    if not hmac.compare_digest(expected, signature.lower()):
        raise BadSignature("signature mismatch")
