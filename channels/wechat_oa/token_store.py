"""One access token per app id, shared by every process, renewed under a lock.

Tokens come from ``stable_token``: asking again without ``force_refresh`` returns the same valid
token, so two processes renewing at once cannot invalidate each other's. The lock only keeps a
crowd of workers from all calling WeChat when the token expires. Redis holds the token when
``HOTLINE_REDIS_URL`` is set, the database otherwise.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis
from tortoise.transactions import in_transaction

from channels.models import WechatAccessToken

# Renew this long before WeChat's expiry, so a token never dies in the middle of a call.
MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: datetime

    def fresh(self, now: datetime) -> bool:
        return bool(self.value) and self.expires_at - MARGIN > now


Fetch = Callable[[bool], Awaitable[Token]]  # force_refresh -> a new token from WeChat


class TokenStore(Protocol):
    async def token(self, fetch: Fetch) -> str:
        """A valid token, fetched (once, under the lock) when the shared one is stale."""

    async def refresh(self, stale: str, fetch: Fetch) -> str:
        """Replace ``stale``, which WeChat refused, unless another process already did."""

    async def aclose(self) -> None:
        """Release connections the store holds."""


class _LockedStore:
    """The renewal logic; subclasses say where the token lives and how to lock it."""

    async def _load(self) -> Token | None:
        raise NotImplementedError

    async def _save(self, token: Token) -> None:
        raise NotImplementedError

    def _locked(self) -> AbstractAsyncContextManager[None]:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None

    async def token(self, fetch: Fetch) -> str:
        now = datetime.now(UTC)
        cached = await self._load()
        if cached is not None and cached.fresh(now):
            return cached.value
        async with self._locked():
            cached = await self._load()
            if cached is not None and cached.fresh(now):
                return cached.value  # renewed by another process while we waited
            token = await fetch(False)
            await self._save(token)
            return token.value

    async def refresh(self, stale: str, fetch: Fetch) -> str:
        async with self._locked():
            cached = await self._load()
            if cached is not None and cached.value != stale and cached.fresh(datetime.now(UTC)):
                return cached.value
            token = await fetch(False)
            if token.value == stale:
                # WeChat still hands out the one it refused: only a forced refresh replaces it.
                token = await fetch(True)
            await self._save(token)
            return token.value


class DatabaseTokenStore(_LockedStore):
    """The token in ``wechat_access_token``; the row lock (PostgreSQL) serialises renewals."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id

    async def _load(self) -> Token | None:
        row = await WechatAccessToken.get_or_none(app_id=self.app_id)
        if row is None or row.expires_at is None:
            return None
        return Token(row.token, row.expires_at)

    async def _save(self, token: Token) -> None:
        await WechatAccessToken.filter(app_id=self.app_id).update(
            token=token.value, expires_at=token.expires_at
        )

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        await WechatAccessToken.get_or_create(app_id=self.app_id)
        async with in_transaction():
            await WechatAccessToken.select_for_update().get(app_id=self.app_id)
            yield


class RedisTokenStore(_LockedStore):
    """The token in Redis, expiring by itself; a Redis lock serialises renewals."""

    def __init__(self, app_id: str, redis: Redis) -> None:
        self.key = f"hotline:wechat:token:{app_id}"
        self.redis = redis

    async def _load(self) -> Token | None:
        raw = await self.redis.get(self.key)
        if raw is None:
            return None
        data = json.loads(raw)
        return Token(data["value"], datetime.fromisoformat(data["expires_at"]))

    async def _save(self, token: Token) -> None:
        ttl = int((token.expires_at - datetime.now(UTC)).total_seconds())
        payload = {"value": token.value, "expires_at": token.expires_at.isoformat()}
        await self.redis.set(self.key, json.dumps(payload), ex=max(ttl, 1))

    async def aclose(self) -> None:
        await self.redis.aclose()

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        # Released after 30 s even if its holder dies; a renewal takes one bounded HTTP call.
        async with self.redis.lock(self.key + ":lock", timeout=30, blocking_timeout=20):
            yield
