"""Staff accounts over HTTP (admin only): create, list, read, change one by username."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import require_roles
from api.schemas import StaffRole, StaffUserIn, StaffUserOut, StaffUserPatch
from intake import staff as staff_service
from intake.models import StaffUser
from intake.staff import KEEP, StaffAccount

router = APIRouter(prefix="/api/v1/staff/users", tags=["staff: accounts"])
Admin = Annotated[StaffUser, Depends(require_roles())]  # no role but admin

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No or invalid token"},
    403: {"description": "Not an admin"},
    422: {"description": "Invalid input (weak password, unknown role or department, …)"},
}


def _out(account: StaffAccount) -> StaffUserOut:
    return StaffUserOut(
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        department_code=account.department_code,
        active=account.active,
        created_at=account.created_at,
    )


@router.post(
    "",
    response_model=StaffUserOut,
    status_code=201,
    summary="Create a staff account",
    description="A `department` user (承办单位) needs a `department_code`: they see and act on "
    "only the tickets dispatched to that department.",
    responses={**_ERRORS, 409: {"description": "The username is taken"}},
)
async def create_user(body: StaffUserIn, admin: Admin) -> StaffUserOut:
    account = await staff_service.create_user(
        username=body.username,
        password=body.password,
        role=body.role,
        department_code=body.department_code,
        display_name=body.display_name,
        by=admin,
    )
    return _out(account)


@router.get(
    "",
    response_model=list[StaffUserOut],
    summary="List staff accounts",
    responses={401: _ERRORS[401], 403: _ERRORS[403]},
)
async def list_users(
    _: Admin,
    role: StaffRole | None = None,
    department: Annotated[str | None, Query(description="a department code")] = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[StaffUserOut]:
    accounts = await staff_service.list_users(
        role=role, department_code=department, active=active, limit=limit, offset=offset
    )
    return [_out(account) for account in accounts]


@router.get(
    "/{username}",
    response_model=StaffUserOut,
    summary="One staff account",
    responses={401: _ERRORS[401], 403: _ERRORS[403], 404: {"description": "No such user"}},
)
async def get_user(username: str, _: Admin) -> StaffUserOut:
    return _out(await staff_service.get_user(username=username))


@router.patch(
    "/{username}",
    response_model=StaffUserOut,
    summary="Change a staff account",
    description="Change role, department, display name; `active: false` deactivates the account "
    "and `password` resets it, both revoking its tokens at once. All changes or none.",
    responses={
        **_ERRORS,
        404: {"description": "No such user"},
        409: {"description": "It would leave no active admin"},
    },
)
async def change_user(username: str, body: StaffUserPatch, admin: Admin) -> StaffUserOut:
    account = await staff_service.change_user(
        username=username,
        by=admin,
        role=body.role if body.role is not None else KEEP,
        department_code=(
            body.department_code if "department_code" in body.model_fields_set else KEEP
        ),
        display_name=body.display_name if body.display_name is not None else KEEP,
        active=body.active,
        password=body.password,
    )
    return _out(account)
