"""Staff oversight: service indicators and messages that could not be delivered."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import require_roles
from intake.models import StaffUser
from notify import kpi
from notify.models import Notification

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])
Overseer = Annotated[StaffUser, Depends(require_roles("supervisor", "operator"))]


@router.get("/kpis", summary="Service indicators for a period (formulas: docs/kpis.md)")
async def kpis(
    _: Overseer,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, object]:
    end = until or datetime.now(UTC)
    start = since or end - timedelta(days=30)
    return {"since": start, "until": end, **asdict(await kpi.compute(since=start, until=end))}


@router.get("/notifications", summary="Notifications by status (undeliverable, uncertain…)")
async def notifications(
    _: Overseer,
    status: Annotated[str, Query(pattern="^(pending|sending|sent|undeliverable|uncertain)$")] = (
        "undeliverable"
    ),
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, object]]:
    rows = (
        await Notification.filter(status=status)
        .order_by("-id")
        .limit(limit)
        .prefetch_related("ticket")
    )
    return [
        {
            "id": n.id,
            "ticket": n.ticket.number,
            "purpose": n.purpose,
            "status": n.status,
            "channel": n.channel,
            "tried": n.tried,
            "last_error": n.last_error,
            "created_at": n.created_at,
        }
        for n in rows
    ]
