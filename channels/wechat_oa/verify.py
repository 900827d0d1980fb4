"""Is this request really from WeChat, and what does it say? Also: seal the answer.

Every request carries ``signature`` over (token, timestamp, nonce); a timestamp outside the
configured window is refused as a replay. In safe and compatible mode (``encrypt_type=aes``) the
body's ``Encrypt`` is also signed (``msg_signature``) and decrypted with the current
EncodingAESKey or, during a key rotation, the previous one; the answer is then encrypted with the
key that opened the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from channels.wechat_oa import crypto
from channels.wechat_oa.config import WechatConfig
from channels.wechat_oa.parser import MalformedPush, read_fields


class Rejected(Exception):
    """The request is refused; ``status`` is what the webhook answers."""

    status = 400


class Forged(Rejected):
    """Bad or missing signature, stale timestamp, or a message for another app."""

    status = 403


class BadPush(Rejected):
    status = 400


@dataclass(frozen=True)
class Opened:
    """A verified push: its plaintext XML and, if it came encrypted, the key that opened it."""

    xml: bytes
    key: bytes | None = None

    @property
    def encrypted(self) -> bool:
        return self.key is not None


def check_url(query: Mapping[str, str], config: WechatConfig, *, now: int) -> None:
    """Raise Forged unless ``signature`` matches and ``timestamp`` is within the window."""
    signature = query.get("signature", "")
    timestamp = query.get("timestamp", "")
    nonce = query.get("nonce", "")
    if not (signature and timestamp and nonce) or len(nonce) > 64:
        raise Forged("signature, timestamp or nonce missing")
    expected = crypto.sign(config.token, timestamp, nonce)
    if not crypto.signature_matches(expected, signature):
        raise Forged("bad signature")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise Forged("bad timestamp")
    if abs(now - int(timestamp)) > config.timestamp_window:
        raise Forged("timestamp outside the window (replay?)")


def open_push(query: Mapping[str, str], body: bytes, config: WechatConfig, *, now: int) -> Opened:
    """Verify a POST and return its plaintext. Call ``check_url`` first (cheap, body unread)."""
    check_url(query, config, now=now)
    mode = query.get("encrypt_type", "raw").lower() or "raw"
    if mode == "raw":
        return Opened(body)
    if mode != "aes":
        raise BadPush(f"unknown encrypt_type {mode[:16]!r}")
    try:
        encrypted = read_fields(body).get("Encrypt", "")
    except MalformedPush as exc:
        raise BadPush(str(exc)) from exc
    if not encrypted:
        raise BadPush("no Encrypt element")
    expected = crypto.sign(config.token, query["timestamp"], query["nonce"], encrypted)
    if not crypto.signature_matches(expected, query.get("msg_signature", "")):
        raise Forged("bad msg_signature")
    for key in config.aes_keys:
        try:
            plaintext = crypto.decrypt(encrypted, key=key, app_id=config.app_id)
        except crypto.DecryptError:
            continue
        return Opened(plaintext.encode("utf-8"), key)
    raise Forged("no configured EncodingAESKey opens this message")


def seal(
    reply_xml: str,
    opened: Opened,
    config: WechatConfig,
    *,
    timestamp: str,
    nonce: str,
    random16: bytes | None = None,
) -> str:
    """The body to answer with: ``reply_xml`` as is, or encrypted when the request was."""
    if opened.key is None:
        return reply_xml
    encrypted = crypto.encrypt(reply_xml, key=opened.key, app_id=config.app_id, random16=random16)
    signature = crypto.sign(config.token, timestamp, nonce, encrypted)
    return (
        f"<xml>\n<Encrypt><![CDATA[{encrypted}]]></Encrypt>\n"
        f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>\n"
        f"<TimeStamp>{timestamp}</TimeStamp>\n<Nonce><![CDATA[{nonce}]]></Nonce>\n</xml>"
    )
