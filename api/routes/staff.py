"""Staff endpoints: sign-in, ticket lists and details, and every lifecycle step over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import ConfigDep, SettingsDep, StaffDep, actor_of, now, require_roles
from api.schemas import (
    DispatchIn,
    EvaluateIn,
    ExtensionDecisionIn,
    ExtensionRequestIn,
    LoginIn,
    LoginOut,
    NoteIn,
    ReasonIn,
    ReplyIn,
    StaffEventOut,
    StaffTicketOut,
)
from intake import backoffice, operations
from intake import staff as staff_service
from intake.backoffice import StaffTicket
from intake.models import StaffUser
from intake.ticket_scope import EVERY_TICKET, TicketScope

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])
Operator = Annotated[StaffUser, Depends(require_roles("operator", "supervisor"))]
Handler = Annotated[StaffUser, Depends(require_roles("department", "operator", "supervisor"))]
Supervisor = Annotated[StaffUser, Depends(require_roles("supervisor"))]


def _out(view: StaffTicket) -> StaffTicketOut:
    t = view.ticket
    return StaffTicketOut(
        number=t.number,
        status=t.status,
        channel=t.channel,
        kind=t.kind,
        category=t.category,
        scope=t.scope,
        urgency=t.urgency,
        description=view.description,
        location=view.location,
        department_code=view.department_code,
        due_at=t.due_at,
        due_is_estimate=t.due_is_estimate,
        supervised=t.supervised,
        extension_requested_days=t.extension_requested_days,
        contact_phone=view.contact_phone,
        reply=t.reply_text,
        satisfaction=t.satisfaction,
        merged_into=view.merged_into,
        created_at=t.created_at,
    )


async def _reloaded(number: str, scope: TicketScope = EVERY_TICKET) -> StaffTicketOut:
    return _out(await backoffice.masked_ticket(number=number, scope=scope))


@router.post("/login", response_model=LoginOut, summary="Sign in with username and password")
async def login(body: LoginIn, settings: SettingsDep) -> LoginOut:
    token, expires_at = await staff_service.login(
        username=body.username,
        password=body.password,
        ttl_minutes=settings.staff_token_ttl_minutes,
        secret_key=settings.secret_key,
        now=now(),
    )
    return LoginOut(access_token=token, expires_at=expires_at)


@router.post("/logout", status_code=204, summary="Revoke the current token")
async def logout(
    _: StaffDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(HTTPBearer())],
) -> None:
    await staff_service.logout(token=credentials.credentials, secret_key=settings.secret_key)


@router.get(
    "/tickets",
    response_model=list[StaffTicketOut],
    summary="List tickets",
    description="A department user sees only the tickets dispatched to their department "
    "(the `department` filter is ignored for them).",
)
async def list_tickets(
    user: StaffDep,
    status: str | None = None,
    department: str | None = None,
    supervised: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[StaffTicketOut]:
    views = await backoffice.list_tickets(
        status=status,
        department_code=department,
        supervised=supervised,
        limit=limit,
        offset=offset,
        scope=TicketScope.of(user),
    )
    return [_out(view) for view in views]


@router.get("/tickets/{number}", summary="One ticket with its full history")
async def ticket_detail(
    number: str,
    user: StaffDep,
    settings: SettingsDep,
    reveal: bool = False,
) -> dict[str, object]:
    view, events = await backoffice.ticket_detail(
        number=number, staff=user, reveal=reveal, secret_key=settings.secret_key
    )
    return {
        "ticket": _out(view),
        "events": [
            StaffEventOut(
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                actor_type=e.actor_type,
                actor_id=e.actor_id,
                public_note=e.public_note,
                internal_note=e.internal_note,
                created_at=e.created_at,
            )
            for e in events
        ],
    }


@router.post("/tickets/{number}/dispatch", response_model=StaffTicketOut, summary="派单")
async def dispatch(number: str, body: DispatchIn, user: Operator) -> StaffTicketOut:
    await operations.dispatch(
        number=number, department_code=body.department_code, actor=actor_of(user), note=body.note
    )
    return await _reloaded(number)


@router.post("/tickets/{number}/accept", response_model=StaffTicketOut, summary="签收")
async def accept(number: str, user: Handler) -> StaffTicketOut:
    scope = TicketScope.of(user)
    await operations.accept(number=number, actor=actor_of(user), scope=scope)
    return await _reloaded(number, scope)


@router.post("/tickets/{number}/return", response_model=StaffTicketOut, summary="退单")
async def return_ticket(number: str, body: ReasonIn, user: Handler) -> StaffTicketOut:
    scope = TicketScope.of(user)
    await operations.return_ticket(
        number=number, reason=body.reason, actor=actor_of(user), scope=scope
    )
    return await _reloaded(number, scope)


@router.post("/tickets/{number}/extension", response_model=StaffTicketOut, summary="申请延期")
async def request_extension(number: str, body: ExtensionRequestIn, user: Handler) -> StaffTicketOut:
    scope = TicketScope.of(user)
    await operations.request_extension(
        number=number, days=body.days, reason=body.reason, actor=actor_of(user), scope=scope
    )
    return await _reloaded(number, scope)


@router.post(
    "/tickets/{number}/extension/decision", response_model=StaffTicketOut, summary="审核延期"
)
async def decide_extension(
    number: str, body: ExtensionDecisionIn, user: Supervisor, config: ConfigDep
) -> StaffTicketOut:
    await operations.decide_extension(
        number=number, approve=body.approve, actor=actor_of(user), config=config, note=body.note
    )
    return await _reloaded(number)


@router.post("/tickets/{number}/reply", response_model=StaffTicketOut, summary="答复")
async def reply(number: str, body: ReplyIn, user: Handler) -> StaffTicketOut:
    scope = TicketScope.of(user)
    await operations.reply(number=number, reply_text=body.reply, actor=actor_of(user), scope=scope)
    return await _reloaded(number, scope)


@router.post("/tickets/{number}/close", response_model=StaffTicketOut, summary="办结")
async def close(number: str, user: Operator) -> StaffTicketOut:
    await operations.close(number=number, actor=actor_of(user), now=now())
    return await _reloaded(number)


@router.post("/tickets/{number}/reopen", response_model=StaffTicketOut, summary="重新办理")
async def reopen(number: str, body: ReasonIn, user: Supervisor) -> StaffTicketOut:
    await operations.reopen(number=number, reason=body.reason, actor=actor_of(user))
    return await _reloaded(number)


@router.post("/tickets/{number}/supervise", response_model=StaffTicketOut, summary="督办")
async def supervise(number: str, body: NoteIn, user: Supervisor) -> StaffTicketOut:
    await operations.supervise(number=number, note=body.note, actor=actor_of(user))
    return await _reloaded(number)


@router.post(
    "/tickets/{number}/evaluation", response_model=StaffTicketOut, summary="记录评价（回访结果）"
)
async def evaluate(number: str, body: EvaluateIn, user: Operator) -> StaffTicketOut:
    await operations.evaluate(
        number=number, satisfaction=body.satisfaction, comment=body.comment, actor=actor_of(user)
    )
    return await _reloaded(number)


@router.get("/conversations/handoff", summary="Conversations waiting for an operator")
async def handoff_conversations(_: Operator) -> list[dict[str, object]]:
    conversations = await backoffice.handoff_conversations()
    return [
        {"id": c.id, "channel": c.channel, "sender": c.sender, "updated_at": c.updated_at}
        for c in conversations
    ]


@router.post(
    "/conversations/{conversation_id}/release",
    status_code=204,
    summary="Give a conversation back to the bot",
)
async def release(conversation_id: int, user: Operator) -> None:
    await backoffice.release_conversation(conversation_id=conversation_id, staff=user)
