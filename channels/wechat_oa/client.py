"""The WeChat API client: httpx with timeouts, the shared token, typed errors.

Every call has a timeout. A token WeChat refuses (40001/42001/40014) is refreshed once and the
call retried once. Failures come back as ``RetriableWechatError`` or ``PermanentWechatError``
(see ``errors``), never as a bare httpx exception.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import httpx
from redis.asyncio import Redis

from channels.wechat_oa.config import WechatConfig
from channels.wechat_oa.errors import (
    CONNECTION,
    HTTP_STATUS,
    TIMEOUT,
    InvalidToken,
    PermanentWechatError,
    RetriableWechatError,
    WechatError,
    classify,
)
from channels.wechat_oa.token_store import DatabaseTokenStore, RedisTokenStore, Token, TokenStore
from hotline.http import async_client

logger = logging.getLogger(__name__)

MAX_MEDIA_BYTES = 10 * 1024 * 1024  # WeChat's own limit for images; voice is far smaller


@dataclass(frozen=True)
class Downloaded:
    content: bytes
    content_type: str


def token_store_for(config: WechatConfig) -> TokenStore:
    if config.redis_url:
        return RedisTokenStore(config.app_id, Redis.from_url(config.redis_url))
    return DatabaseTokenStore(config.app_id)


class WechatApi:
    """``async with WechatApi(config) as api: await api.send_custom(...)``."""

    def __init__(self, config: WechatConfig, *, tokens: TokenStore | None = None) -> None:
        self.config = config
        self.tokens = tokens or token_store_for(config)
        self.http = async_client(
            base_url=config.api_base,
            timeout=httpx.Timeout(config.api_timeout, connect=min(config.api_timeout, 3.0)),
            headers={"User-Agent": "hotline12345"},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.http.aclose()
        await self.tokens.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise RetriableWechatError(TIMEOUT, f"timeout calling {path}") from exc
        except httpx.TransportError as exc:
            raise RetriableWechatError(CONNECTION, f"{type(exc).__name__} calling {path}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise RetriableWechatError(HTTP_STATUS, f"HTTP {response.status_code} from {path}")
        if response.status_code >= 400:
            raise PermanentWechatError(HTTP_STATUS, f"HTTP {response.status_code} from {path}")
        return response

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError as exc:  # a proxy's error page, a truncated answer
            raise RetriableWechatError(HTTP_STATUS, "answer is not JSON") from exc
        if not isinstance(data, dict):
            raise RetriableWechatError(HTTP_STATUS, "answer is not a JSON object")
        code = data.get("errcode", 0)
        if code:
            raise classify(int(code), str(data.get("errmsg", "")))
        return data

    async def fetch_token(self, force_refresh: bool) -> Token:
        """A token from ``stable_token`` (the only call without one)."""
        body = {
            "grant_type": "client_credential",
            "appid": self.config.app_id,
            "secret": self.config.app_secret,
            "force_refresh": force_refresh,
        }
        data = self._json(await self._request("POST", "/cgi-bin/stable_token", json=body))
        expires_in = int(data.get("expires_in", 7200))
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        return Token(str(data["access_token"]), expires_at)

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        token = await self.tokens.token(self.fetch_token)
        params = {**kwargs.pop("params", {}), "access_token": token}
        response = await self._request(method, path, params=params, **kwargs)
        if not response.headers.get("content-type", "").startswith(("application/json", "text")):
            return response  # media bytes
        try:
            self._json(response)
        except InvalidToken:
            logger.info("wechat token refused on %s; refreshing once", path)
            token = await self.tokens.refresh(token, self.fetch_token)
            params["access_token"] = token
            response = await self._request(method, path, params=params, **kwargs)
        return response

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON body; the answer, or a typed error."""
        response = await self._call("POST", path, json=body)
        try:
            return self._json(response)
        except InvalidToken as exc:  # refused twice: not a stale token after all
            raise PermanentWechatError(exc.code, exc.message) from exc

    async def send_custom(self, payload: dict[str, Any]) -> None:
        await self.call("/cgi-bin/message/custom/send", payload)

    async def send_template(self, payload: dict[str, Any]) -> int:
        return int((await self.call("/cgi-bin/message/template/send", payload))["msgid"])

    async def send_subscribe(self, payload: dict[str, Any]) -> None:
        await self.call("/cgi-bin/message/subscribe/bizsend", payload)

    async def send_miniprogram_subscribe(self, payload: dict[str, Any]) -> None:
        await self.call("/cgi-bin/message/subscribe/send", payload)

    async def create_menu(self, menu: dict[str, Any]) -> None:
        await self.call("/cgi-bin/menu/create", menu)

    async def download_media(self, media_id: str) -> Downloaded:
        """A temporary media file (3 days at WeChat) the citizen sent."""
        response = await self._call("GET", "/cgi-bin/media/get", params={"media_id": media_id})
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        if content_type.startswith(("application/json", "text")):
            self._json(response)  # an error answer raises; anything else is not media
            raise PermanentWechatError(HTTP_STATUS, "media answer has no content")
        if len(response.content) > MAX_MEDIA_BYTES:
            raise PermanentWechatError(HTTP_STATUS, "media larger than allowed")
        return Downloaded(response.content, content_type)


def is_retriable(exc: BaseException) -> bool:
    return isinstance(exc, WechatError) and exc.retriable
