"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from api.routes import (
    auth,
    citizen,
    health,
    knowledge,
    me,
    media,
    oversight,
    pages,
    staff,
    staff_users,
)
from channels.telegram.webhook import router as telegram_router
from channels.voice_call import router as voice_router
from channels.wechat_oa.router import router as wechat_router
from hotline.db import close_db, init_db
from hotline.logging import configure_logging
from hotline.settings import Settings, get_settings
from intake import triage_model
from intake.knowledge.analysis import warm_up as warm_up_segmenter
from intake.pii import PiiMaskingFilter
from notify.outbox import install as install_notifications

DESCRIPTION = """
12345 政务服务便民热线 backend: multi-channel intake, triage, tickets (工单), self-service
progress lookup and callback surveys. Every error has the shape
`{"error": {"code", "message", "request_id"}}`; `message` is Chinese and safe to show a citizen.
"""


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> FastAPI:
    """Build the app. ``manage_db=False`` when the caller (a test) owns the database setup."""
    settings = settings or get_settings()
    configure_logging(
        fmt=settings.effective_log_format, level=settings.log_level, filters=[PiiMaskingFilter()]
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if manage_db:
            await init_db(settings)
        # Load jieba's dictionary now rather than during the first citizen's question.
        await asyncio.to_thread(warm_up_segmenter)
        await asyncio.to_thread(triage_model.model)  # 1.4 MB of weights, read once
        # jieba's dictionary and the triage model are millions of long-lived objects: left in
        # the collected generations, every full collection walks them all, a pause of tens of
        # milliseconds in whichever request triggers it. Frozen, the collector skips them.
        gc.freeze()
        try:
            yield
        finally:
            if manage_db:
                await close_db()

    app = FastAPI(title="hotline12345", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    # Ticket changes made through this app write their notifications (notify's outbox).
    install_notifications(settings)
    install_error_handlers(app)
    # Routes are matched in order, one by one: the busiest (chat webhooks, citizens' lookups)
    # come first so they do not pay for trying every staff route before their own.
    for router in (
        health.router,
        wechat_router,
        pages.router,
        citizen.router,
        me.router,
        auth.router,
        telegram_router,
        media.router,
        knowledge.router,
        voice_router,
        staff.router,
        staff_users.router,
        oversight.router,
    ):
        app.include_router(router)
    # Uploads may be larger than other requests (multipart adds a little to the file).
    upload_bytes = max(settings.media_max_image_bytes, settings.media_max_audio_bytes) + 64_000
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_request_bytes,
        larger={
            "/api/v1/media": upload_bytes,
            "/channels/voice": settings.voice_max_audio_bytes + 64_000,  # call recordings
        },
    )
    app.add_middleware(RequestContextMiddleware)
    return app
