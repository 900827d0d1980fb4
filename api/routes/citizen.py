"""Citizen endpoints: file a request, look up progress."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from api.deps import ConfigDep, SettingsDep, client_ip, now
from api.metrics import TICKETS_FILED
from api.schemas import FilingIn, FilingOut, TicketPublicOut
from intake import progress, ratelimit
from intake.filing import FilingForm, file_request

router = APIRouter(prefix="/api/v1", tags=["citizen"])


@router.post(
    "/tickets", response_model=FilingOut, status_code=201, summary="File a request (诉求) directly"
)
async def file_ticket(
    body: FilingIn,
    request: Request,
    config: ConfigDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> FilingOut:
    await ratelimit.enforce(
        key=f"file:{client_ip(request)}", limit=30, window_seconds=60, now=now()
    )
    result = await file_request(
        form=FilingForm(**body.model_dump()),
        channel="api",
        idempotency_key=idempotency_key,
        config=config,
        now=now(),
    )
    TICKETS_FILED.labels("api").inc()
    return FilingOut(**asdict(result))


@router.get(
    "/progress",
    response_model=TicketPublicOut,
    summary="Progress of a ticket by its number and the last 4 digits of the phone",
)
async def lookup_progress(
    request: Request,
    settings: SettingsDep,
    number: Annotated[str, Query(min_length=8, max_length=32)],
    phone_tail: Annotated[str, Query(min_length=4, max_length=4, pattern=r"^\d{4}$")],
) -> TicketPublicOut:
    limit = progress.LookupLimit(
        client_ip=client_ip(request), per_minute=settings.progress_lookups_per_minute, now=now()
    )
    view = await progress.lookup_by_phone_tail(number=number, phone_tail=phone_tail, limit=limit)
    return TicketPublicOut.of(view)
