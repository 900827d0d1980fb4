"""FastAPI dependencies: settings, intake config, the clock, the signed-in staff member."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hotline.settings import Settings
from intake import staff as staff_service
from intake.config import IntakeConfig, intake_config
from intake.errors import Forbidden, Unauthorized
from intake.models import StaffUser
from intake.workflow import Actor

_bearer = HTTPBearer(auto_error=False)

# Dependencies are ``async def`` even when they await nothing, here and in every router:
# FastAPI runs a plain ``def`` dependency in a worker thread, a thread hop per request that cost
# more than the lookup itself (docs/benchmarks.md).


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_config(settings: Annotated[Settings, Depends(get_settings_dep)]) -> IntakeConfig:
    return intake_config(settings)


def now() -> datetime:
    return datetime.now(UTC)


async def current_staff(
    settings: Annotated[Settings, Depends(get_settings_dep)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> StaffUser:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token")
    return await staff_service.authenticate(
        token=credentials.credentials, secret_key=settings.secret_key, now=now()
    )


def require_roles(*roles: str) -> Callable[[StaffUser], Awaitable[StaffUser]]:
    async def check(user: Annotated[StaffUser, Depends(current_staff)]) -> StaffUser:
        if user.role != "admin" and user.role not in roles:
            raise Forbidden(f"role {user.role} may not do this")
        return user

    return check


def actor_of(user: StaffUser) -> Actor:
    return Actor("department" if user.role == "department" else "staff", str(user.id))


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ConfigDep = Annotated[IntakeConfig, Depends(get_config)]
StaffDep = Annotated[StaffUser, Depends(current_staff)]
