"""Talking to the webhook as WeChat does: signed (and, in safe mode, encrypted) pushes over
real HTTP, and reading the passive replies back."""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass, field

import httpx
from defusedxml.ElementTree import fromstring

from channels.wechat_oa import crypto

TOKEN = "HotlineTestToken2024"
APP_ID = "wx1234567890abcdef"
APP_SECRET = "test-app-secret-0123456789abcdef"
AES_KEY = "b872tC86FraPUckjipIMnupk29xs1Odkv1yeADrcDuc"
OLD_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
GH_ID = "gh_0123456789ab"

_msg_ids = itertools.count(int(time.time() * 1000) * 100)


def cdata(tag: str, value: str) -> str:
    return f"<{tag}><![CDATA[{value}]]></{tag}>"


def push_xml(
    openid: str,
    msg_type: str,
    *fields: str,
    create_time: int | None = None,
    msg_id: int | None = None,
) -> str:
    """A push body; ``fields`` are ready-made elements (see ``cdata``)."""
    stamp = create_time if create_time is not None else int(time.time())
    parts = [
        cdata("ToUserName", GH_ID),
        cdata("FromUserName", openid),
        f"<CreateTime>{stamp}</CreateTime>",
        cdata("MsgType", msg_type),
        *fields,
    ]
    if msg_type != "event":
        parts.append(f"<MsgId>{msg_id if msg_id is not None else next(_msg_ids)}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


def text_xml(openid: str, content: str, **kw: int) -> str:
    return push_xml(openid, "text", cdata("Content", content), **kw)


def event_xml(openid: str, event: str, *fields: str, **kw: int) -> str:
    return push_xml(openid, "event", cdata("Event", event), *fields, **kw)


def signed_query(token: str = TOKEN, *, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    nonce = str(random.randint(10**8, 10**9))
    return {"signature": crypto.sign(token, stamp, nonce), "timestamp": stamp, "nonce": nonce}


@dataclass
class Wechat:
    """A stand-in for WeChat's servers pushing to our webhook at ``base_url``."""

    base_url: str
    safe_mode: bool = False
    aes_key: str = AES_KEY
    token: str = TOKEN
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=30))

    async def post(self, body: str | bytes, query: dict[str, str] | None = None) -> httpx.Response:
        return await self.http.post(
            f"{self.base_url}/channels/wechat",
            content=body,
            params=query if query is not None else self.query(body),
        )

    def query(self, body: str | bytes) -> dict[str, str]:
        return signed_query(self.token)

    async def push(self, xml: str) -> httpx.Response:
        """Send ``xml`` as WeChat would in the current mode."""
        if not self.safe_mode:
            return await self.post(xml)
        query = signed_query(self.token)
        encrypted = crypto.encrypt(xml, key=crypto.aes_key(self.aes_key), app_id=APP_ID)
        query.update(
            encrypt_type="aes",
            msg_signature=crypto.sign(self.token, query["timestamp"], query["nonce"], encrypted),
        )
        body = f"<xml>{cdata('ToUserName', GH_ID)}{cdata('Encrypt', encrypted)}</xml>"
        return await self.post(body, query)

    def read(self, response: httpx.Response) -> str:
        """The text the citizen sees ('' for ``success``), checking encryption and signature."""
        assert response.status_code == 200, (response.status_code, response.text)
        if response.text == "success":
            return ""
        root = fromstring(response.content)
        if self.safe_mode:
            values = {child.tag: child.text or "" for child in root}
            expected = crypto.sign(
                self.token, values["TimeStamp"], values["Nonce"], values["Encrypt"]
            )
            assert values["MsgSignature"] == expected
            plain = crypto.decrypt(
                values["Encrypt"], key=crypto.aes_key(self.aes_key), app_id=APP_ID
            )
            root = fromstring(plain)
        values = {child.tag: child.text or "" for child in root}
        assert values["MsgType"] == "text" and values["FromUserName"] == GH_ID
        return values["Content"]

    async def say(self, openid: str, content: str) -> str:
        return self.read(await self.push(text_xml(openid, content)))

    async def aclose(self) -> None:
        await self.http.aclose()
