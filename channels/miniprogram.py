"""WeChat mini-program sign-in: ``wx.login()``'s code → code2Session → the citizen and tokens.

code2Session (``GET /sns/jscode2session``) answers the user's ``openid``, a ``session_key`` and,
when the mini-program is bound to the same WeChat Open Platform account as the official account,
the ``unionid``. The ``session_key`` is dropped: nothing here decrypts user data with it, and a
key that is never stored cannot leak.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import httpx

from hotline.http import async_client
from hotline.settings import Settings
from intake import citizen_auth
from intake.errors import HotlineError

logger = logging.getLogger(__name__)

# invalid code, code already used, user blocked as high-risk: the user has to try again.
_REFUSED = frozenset({40029, 40163, 40226})


class WechatLoginFailed(HotlineError):
    code = "wechat_login_failed"
    status_code = 401
    message_key = "mobile_error.wechat_login_failed"


class WechatUnavailable(HotlineError):
    code = "wechat_unavailable"
    status_code = 503
    message_key = "mobile_error.wechat_unavailable"


class SignInNotConfigured(HotlineError):
    code = "not_configured"
    status_code = 503
    message_key = "mobile_error.not_configured"


@dataclass(frozen=True)
class MiniProgramConfig:
    app_id: str
    app_secret: str
    api_base: str
    timeout: float

    @classmethod
    def of(cls, settings: Settings) -> MiniProgramConfig:
        return cls(
            app_id=settings.miniprogram_app_id,
            app_secret=settings.miniprogram_app_secret,
            api_base=settings.miniprogram_api_base.rstrip("/"),
            timeout=settings.miniprogram_api_timeout_seconds,
        )


@dataclass(frozen=True)
class WechatSession:
    openid: str
    unionid: str  # "" when WeChat does not give one


async def code2session(*, code: str, config: MiniProgramConfig) -> WechatSession:
    """Exchange a ``wx.login()`` code (single use, valid five minutes) for the user's ids."""
    params = {
        "appid": config.app_id,
        "secret": config.app_secret,
        "js_code": code,
        "grant_type": "authorization_code",
    }
    timeout = httpx.Timeout(config.timeout, connect=min(config.timeout, 3.0))
    try:
        async with async_client(base_url=config.api_base, timeout=timeout) as http:
            response = await http.get("/sns/jscode2session", params=params)
    except httpx.HTTPError as exc:
        raise WechatUnavailable(f"code2Session: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise WechatUnavailable(f"code2Session: HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise WechatUnavailable("code2Session: answer is not JSON") from exc
    errcode = int(data.get("errcode") or 0) if isinstance(data, dict) else -2
    if errcode in _REFUSED:
        raise WechatLoginFailed(f"code2Session errcode {errcode}")
    openid = data.get("openid") if isinstance(data, dict) else None
    if errcode or not isinstance(openid, str) or not openid:
        # -1 (busy), 45011 (too frequent), a wrong secret (40125): ours to fix or to retry.
        logger.warning("code2Session failed: errcode %s", errcode)
        raise WechatUnavailable(f"code2Session errcode {errcode}")
    unionid = data.get("unionid")
    return WechatSession(openid=openid, unionid=unionid if isinstance(unionid, str) else "")


async def sign_in(
    *, code: str, config: MiniProgramConfig, policy: citizen_auth.TokenPolicy, now: datetime
) -> citizen_auth.TokenPair:
    """Tokens for the mini-program user behind ``code``."""
    if not config.app_id or not config.app_secret:
        raise SignInNotConfigured("HOTLINE_MINIPROGRAM_APP_ID is not set")
    session = await code2session(code=code, config=config)
    return await citizen_auth.sign_in_miniprogram(
        openid=session.openid, unionid=session.unionid, policy=policy, now=now
    )
