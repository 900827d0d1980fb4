"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from api.errors import error_response
from api.metrics import exposition
from hotline.celery_app import ping_broker
from hotline.db import ping_db

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database and the broker answer")
async def readyz(request: Request) -> Response:
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(ping_db(), timeout=3)
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; the reason is reported
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        await asyncio.to_thread(ping_broker, request.app.state.settings)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"error: {type(exc).__name__}"
    if all(value == "ok" for value in checks.values()):
        return Response(content='{"status":"ready"}', media_type="application/json")
    response = error_response(503, "not_ready", "服务暂不可用，请稍后再试。")
    response.headers["x-checks"] = ",".join(f"{k}={v}" for k, v in checks.items())
    return response


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
