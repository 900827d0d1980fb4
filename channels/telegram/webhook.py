"""``POST /channels/telegram``: check the secret token, store the update, answer 200. Thin.

Refusals change nothing: a missing or wrong ``X-Telegram-Bot-Api-Secret-Token`` is 403 before
the body is read (and every request is refused while no secret is configured); an oversized
body is 413 and one that is not an update is 400. The work happens in the worker.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request

from channels.jobs import Jobs, jobs_for_settings
from channels.telegram import store
from channels.telegram.config import TelegramConfig, telegram_config
from hotline.settings import Settings

router = APIRouter(prefix="/channels", tags=["channels"])

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _config(settings: Annotated[Settings, Depends(_settings)]) -> TelegramConfig:
    config = telegram_config(settings)
    if not config.enabled:
        raise HTTPException(404)
    return config


async def jobs_for(settings: Annotated[Settings, Depends(_settings)]) -> Jobs:
    return jobs_for_settings(settings)


def verify_secret(request: Request, config: TelegramConfig) -> None:
    given = request.headers.get(SECRET_HEADER, "")
    expected = config.webhook_secret
    # Constant time, so the secret cannot be guessed a character at a time.
    if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(403)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared and (not declared.isdigit() or int(declared) > limit):
        raise HTTPException(413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413)
    return bytes(body)


def _payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
        store.update_id_of(payload)
    except (ValueError, store.MalformedUpdate) as exc:
        raise HTTPException(400) from exc
    result: dict[str, Any] = payload
    return result


@router.post("/telegram", summary="Telegram Bot API webhook (updates)")
async def telegram_update(
    request: Request,
    config: Annotated[TelegramConfig, Depends(_config)],
    jobs: Annotated[Jobs, Depends(jobs_for)],
) -> dict[str, bool]:
    verify_secret(request, config)
    payload = _payload(await _body(request, config.max_body))
    await store.accept(payload, jobs=jobs, now=datetime.now(UTC))
    return {"ok": True}
