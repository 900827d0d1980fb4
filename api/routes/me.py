"""The signed-in citizen's API: the filing form's options, my tickets, and what I can do with
them (补充, 催办, 评价, links), and consent to mini-program notifications."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query

from api.auth import CitizenDep, LinkConfigDep, UrgePolicyDep
from api.deps import ConfigDep, now
from api.metrics import TICKETS_FILED
from api.mobile_schemas import (
    CategoryOut,
    DepartmentOut,
    FormOptionsOut,
    GrantOut,
    LinkOut,
    MobileEvaluateIn,
    MobileFilingIn,
    MyTicketOut,
    SubscriptionsIn,
    SupplementIn,
    TicketPageOut,
)
from api.schemas import FilingOut
from channels import app_links
from intake import citizen_requests, my_tickets
from intake.my_tickets import MobileFiling

router = APIRouter(prefix="/api/v1", tags=["mobile: citizen"])
Number = Annotated[str, Path(min_length=8, max_length=32, examples=["FZ20261127000123"])]


@router.get("/categories", response_model=FormOptionsOut, summary="Options of the filing form")
async def categories() -> FormOptionsOut:
    options = await my_tickets.form_options()
    return FormOptionsOut(
        kinds=options.kinds,
        categories=[
            CategoryOut(
                code=c.code,
                name=c.name_zh,
                department=c.default_department_zh,
                needs_location=c.needs_location,
            )
            for c in options.categories
        ],
        regions=options.regions,
    )


@router.get("/departments", response_model=list[DepartmentOut], summary="Departments (联动单位)")
async def departments(
    region: Annotated[str | None, Query(max_length=8, examples=["FZ"])] = None,
) -> list[DepartmentOut]:
    rows = await my_tickets.departments(region=region)
    return [DepartmentOut(code=d.code, name=d.name, region=d.region.code) for d in rows]


@router.post(
    "/me/tickets",
    response_model=FilingOut,
    status_code=201,
    summary="File a request as the signed-in citizen",
    description="`Idempotency-Key` (scoped to the citizen): a retry answers what the first "
    "request answered and never files twice; the same key with other content is a 409.",
)
async def file_ticket(
    body: MobileFilingIn,
    citizen: CitizenDep,
    config: ConfigDep,
    idempotency_key: Annotated[str | None, Header(max_length=80)] = None,
) -> FilingOut:
    fields = body.model_dump()
    fields["media_ids"] = tuple(fields["media_ids"])
    result = await my_tickets.file_ticket(
        principal=citizen,
        filing=MobileFiling(**fields),
        idempotency_key=idempotency_key,
        config=config,
        now=now(),
    )
    TICKETS_FILED.labels(citizen.channel).inc()
    return FilingOut(**asdict(result))


@router.get("/me/tickets", response_model=TicketPageOut, summary="My tickets, newest first")
async def list_tickets(
    citizen: CitizenDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> TicketPageOut:
    page = await my_tickets.list_tickets(citizen_id=citizen.citizen_id, limit=limit, offset=offset)
    return TicketPageOut.of(page)


@router.get(
    "/me/tickets/{number}",
    response_model=MyTicketOut,
    summary="One of my tickets with its timeline",
    description="Someone else's ticket is 404, exactly like an unknown number.",
)
async def ticket(number: Number, citizen: CitizenDep, policy: UrgePolicyDep) -> MyTicketOut:
    mine = await my_tickets.ticket_detail(
        citizen_id=citizen.citizen_id, number=number, policy=policy, now=now()
    )
    return MyTicketOut.of_mine(mine)


@router.post(
    "/me/tickets/{number}/supplements",
    status_code=204,
    summary="补充: add information for the department",
)
async def supplement(number: Number, body: SupplementIn, citizen: CitizenDep) -> None:
    await citizen_requests.supplement(
        principal=citizen, number=number, note=body.text, media_ids=body.media_ids, now=now()
    )


@router.post(
    "/me/tickets/{number}/urge",
    status_code=204,
    summary="催办: remind the department",
    description="From one working day after filing, then once per 24 hours (settings).",
)
async def urge(number: Number, citizen: CitizenDep, policy: UrgePolicyDep) -> None:
    await citizen_requests.urge(principal=citizen, number=number, policy=policy, now=now())


@router.post(
    "/me/tickets/{number}/evaluation",
    status_code=204,
    summary="评价 a closed ticket (five levels); unsatisfied reopens it",
)
async def evaluate(number: Number, body: MobileEvaluateIn, citizen: CitizenDep) -> None:
    await citizen_requests.evaluate(
        principal=citizen, number=number, satisfaction=body.satisfaction, comment=body.comment
    )


@router.post(
    "/me/tickets/{number}/link",
    response_model=LinkOut,
    status_code=201,
    summary="A read-only link https://…/t/<token> to share or keep",
)
async def create_link(number: Number, citizen: CitizenDep, config: LinkConfigDep) -> LinkOut:
    issued = await app_links.link_for_citizen(
        citizen_id=citizen.citizen_id, number=number, config=config, now=now()
    )
    return LinkOut(url=issued.url, app_url=issued.app_url, expires_at=issued.expires_at)


@router.delete(
    "/me/tickets/{number}/link", status_code=204, summary="Revoke every link to this ticket"
)
async def revoke_links(number: Number, citizen: CitizenDep) -> None:
    await app_links.revoke_links(number=number, citizen_id=citizen.citizen_id, now=now())


@router.post(
    "/notifications/subscriptions",
    response_model=list[GrantOut],
    summary="Record mini-program subscribe-message consent",
    description="Send what `wx.requestSubscribeMessage` returned; each accept allows one "
    "status message of that template.",
)
async def subscriptions(body: SubscriptionsIn, citizen: CitizenDep) -> list[GrantOut]:
    grants = await citizen_requests.record_subscriptions(principal=citizen, results=body.results)
    return [GrantOut(**asdict(g)) for g in grants]
