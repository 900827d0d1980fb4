"""Outbound errors, classified so a caller knows whether to retry or to use another channel.

Retriable: timeouts, connection failures, 5xx, ``-1`` (system busy), rate limits; try the same
send later. Permanent: this message will never reach this user by WeChat (outside the 48-hour
window, unsubscribed, bad openid, refused subscription...); fall back to SMS or a call.
"""

from __future__ import annotations


class WechatError(Exception):
    """A WeChat API call failed; ``code`` is WeChat's errcode (or ours, see below)."""

    retriable = False

    def __init__(self, code: int, message: str = "") -> None:
        self.code = code
        self.message = message
        super().__init__(f"WeChat error {code}: {message}")


class RetriableWechatError(WechatError):
    retriable = True

    def __init__(self, code: int, message: str = "", *, retry_after: float = 30.0) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class PermanentWechatError(WechatError):
    """The same request will fail again; the caller should fall back to another channel."""


class OutsideWindow(PermanentWechatError):
    """45015: more than 48 hours since the user last interacted."""


class Unsubscribed(PermanentWechatError):
    """43004: the user does not follow the account (any more)."""


class InvalidRecipient(PermanentWechatError):
    """40003: not an openid of this account."""


class InvalidToken(WechatError):
    """40001/42001/40014: the access token is stale; refreshed once and retried."""


# Codes that are not ours to fix by waiting; anything unlisted is treated as permanent too
# (a bug or a configuration error), so it is surfaced instead of retried forever.
TOKEN_CODES = frozenset({40001, 40014, 42001})
# 45009: daily quota, 45011: per-minute quota, -1: system busy.
RETRIABLE_CODES = frozenset({-1, 45009, 45011})
# Transport failures have no errcode: these stand in for them.
TIMEOUT = -1001
CONNECTION = -1002
HTTP_STATUS = -1003

_PERMANENT_TYPES: dict[int, type[PermanentWechatError]] = {
    45015: OutsideWindow,
    43004: Unsubscribed,
    40003: InvalidRecipient,
}


def classify(code: int, message: str) -> WechatError:
    """The typed error for a non-zero errcode."""
    if code in TOKEN_CODES:
        return InvalidToken(code, message)
    if code in RETRIABLE_CODES:
        return RetriableWechatError(code, message)
    return _PERMANENT_TYPES.get(code, PermanentWechatError)(code, message)
