"""``GET/POST /channels/wechat``: verify, parse, hand to ``inbound.handle``, render. Thin.

Refusals: a bad signature or stale timestamp is 403 before the body is read; an oversized,
malformed or entity-declaring body is 400. Nothing is stored for a refused request.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response

from channels.jobs import Jobs, jobs_for_settings
from channels.wechat_oa import render
from channels.wechat_oa.config import WechatConfig, wechat_config
from channels.wechat_oa.inbound import Inbound, handle
from channels.wechat_oa.parser import MalformedPush, parse_push
from channels.wechat_oa.verify import Rejected, check_url, open_push, seal
from hotline.settings import Settings
from intake.config import intake_config

router = APIRouter(prefix="/channels", tags=["channels"])


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _config(settings: Annotated[Settings, Depends(_settings)]) -> WechatConfig:
    config = wechat_config(settings)
    if not config.enabled:
        raise HTTPException(404)
    return config


async def jobs_for(settings: Annotated[Settings, Depends(_settings)]) -> Jobs:
    return jobs_for_settings(settings)


async def clock() -> Callable[[], datetime]:
    """The wall clock, for the timestamp window (tests replay vectors from 2025)."""
    return lambda: datetime.now(UTC)


ConfigDep = Annotated[WechatConfig, Depends(_config)]
ClockDep = Annotated[Callable[[], datetime], Depends(clock)]


def _query(request: Request) -> dict[str, str]:
    return {key: value[:512] for key, value in request.query_params.items()}


def _verified_url(request: Request, config: WechatConfig, now: datetime) -> dict[str, str]:
    query = _query(request)
    try:
        check_url(query, config, now=int(now.timestamp()))
    except Rejected as exc:
        raise HTTPException(exc.status) from exc
    return query


@router.get("/wechat", response_class=PlainTextResponse, summary="WeChat URL verification")
async def wechat_handshake(request: Request, config: ConfigDep, clock: ClockDep) -> str:
    query = _verified_url(request, config, clock())
    return query.get("echostr", "")


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared and (not declared.isdigit() or int(declared) > limit):
        raise HTTPException(400)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(400)
    return bytes(body)


@router.post("/wechat", summary="WeChat push (messages and events)")
async def wechat_push(
    request: Request,
    config: ConfigDep,
    clock: ClockDep,
    settings: Annotated[Settings, Depends(_settings)],
    jobs: Annotated[Jobs, Depends(jobs_for)],
) -> Response:
    deadline = time.monotonic() + config.reply_budget
    now = clock()
    query = _verified_url(request, config, now)
    body = await _body(request, config.max_body)
    try:
        opened = open_push(query, body, config, now=int(now.timestamp()))
        push = parse_push(opened.xml)
    except Rejected as exc:
        raise HTTPException(exc.status) from exc
    except MalformedPush as exc:
        raise HTTPException(400) from exc
    deps = Inbound(intake=intake_config(settings), wechat=config, jobs=jobs, deadline=deadline)
    replies = await handle(push, deps)
    content = render.joined_text(replies)
    if not content:
        return PlainTextResponse("success")
    stamp = int(now.timestamp())
    xml = render.text_reply(
        to_user=push.source, from_user=push.target, create_time=stamp, content=content
    )
    sealed = seal(xml, opened, config, timestamp=str(stamp), nonce=str(secrets.randbelow(10**9)))
    return Response(sealed, media_type="application/xml")
