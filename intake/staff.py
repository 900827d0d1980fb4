"""Staff accounts: sign-in with a password, bearer tokens, sign-out, the audit log, and account
management (create, change role/department/name, deactivate/reactivate, reset the password).

Every management step is audited (``by`` None: the command line). Deactivating an account or
resetting its password revokes its tokens at once. A ``department`` user (承办单位) must belong to
a department: it is what scopes the tickets they see (intake.ticket_scope).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import cache
from typing import Literal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from hotline import crypto
from intake.errors import Conflict, InvalidInput, NotFound, Unauthorized, UsernameTaken
from intake.models import AuditLog, Department, StaffToken, StaffUser

ROLES = ("admin", "supervisor", "operator", "department")
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,63}$"
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
DISPLAY_NAME_MAX_LENGTH = 64


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP  # an update argument left as it is
Keep = Literal[_Keep.KEEP]


@dataclass(frozen=True)
class StaffAccount:
    """What may be shown of an account: never its password hash."""

    username: str
    display_name: str
    role: str
    department_code: str | None
    active: bool
    created_at: datetime


async def login(
    *, username: str, password: str, ttl_minutes: int, secret_key: str, now: datetime
) -> tuple[str, datetime]:
    """A new bearer token for valid credentials. Wrong user and wrong password look the same."""
    user = await StaffUser.get_or_none(username=username, active=True)
    # Verify against a dummy hash when the user is unknown so both cases take the same time.
    encoded = user.password_hash if user else _dummy_hash()
    if not crypto.verify_password(password, encoded) or user is None:
        raise Unauthorized("bad credentials")
    token = crypto.new_token()
    expires_at = now + timedelta(minutes=ttl_minutes)
    await StaffToken.create(
        token_digest=crypto.digest(token, secret_key=secret_key, purpose="staff-token"),
        staff=user,
        expires_at=expires_at,
    )
    await audit(staff=user, action="login", target=f"staff:{user.id}")
    return token, expires_at


async def authenticate(*, token: str, secret_key: str, now: datetime) -> StaffUser:
    record = await StaffToken.get_or_none(
        token_digest=crypto.digest(token, secret_key=secret_key, purpose="staff-token"),
        revoked=False,
    ).select_related("staff")
    if record is None or record.expires_at <= now or not record.staff.active:
        raise Unauthorized("invalid token")
    return record.staff


async def logout(*, token: str, secret_key: str) -> None:
    await StaffToken.filter(
        token_digest=crypto.digest(token, secret_key=secret_key, purpose="staff-token")
    ).update(revoked=True)


async def audit(
    *, staff: StaffUser | None, action: str, target: str, detail: dict[str, object] | None = None
) -> None:
    await AuditLog.create(staff=staff, action=action, target=target, detail=detail or {})


# --- account management ---


def validate_password(password: str, *, username: str = "") -> None:
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise InvalidInput(
            f"a password has {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters"
        )
    if not password.strip() or (username and password.lower() == username.lower()):
        raise InvalidInput("the password is blank or the username")


def _validate_username(username: str) -> None:
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise InvalidInput(
            "a username has 3-64 characters: lowercase letters, digits, '.', '_' or '-'"
        )


def _validate_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"role is one of {', '.join(ROLES)}")


def _clean_display_name(display_name: str) -> str:
    cleaned = display_name.strip()
    if len(cleaned) > DISPLAY_NAME_MAX_LENGTH:
        raise InvalidInput(f"a display name has at most {DISPLAY_NAME_MAX_LENGTH} characters")
    return cleaned


async def _department(code: str | None) -> Department | None:
    if not code:
        return None
    department = await Department.get_or_none(code=code, active=True)
    if department is None:
        raise InvalidInput(f"no active department {code}")
    return department


def _check_department(role: str, department: Department | None) -> None:
    if role == "department" and department is None:
        raise InvalidInput("a department user needs a department")


def _account(user: StaffUser, department: Department | None) -> StaffAccount:
    return StaffAccount(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        department_code=department.code if department else None,
        active=user.active,
        created_at=user.created_at,
    )


async def _user(username: str) -> StaffUser:
    user = await StaffUser.get_or_none(username=username).prefetch_related("department")
    if user is None:
        raise NotFound(f"staff user {username}")
    return user


async def _audit_change(
    by: StaffUser | None, action: str, user: StaffUser, detail: dict[str, object]
) -> None:
    detail = {"username": user.username, **detail}
    if by is None:
        detail["by"] = "command line"
    await audit(staff=by, action=action, target=f"staff:{user.id}", detail=detail)


async def _revoke_tokens(user: StaffUser) -> int:
    return await StaffToken.filter(staff_id=user.id, revoked=False).update(revoked=True)


async def _keep_an_admin(user: StaffUser) -> None:
    """Refuse to leave the service without an active admin."""
    if user.role != "admin" or not user.active:
        return
    if not await StaffUser.filter(role="admin", active=True).exclude(id=user.id).exists():
        raise Conflict("the last active admin cannot be demoted or deactivated")


async def create_user(
    *,
    username: str,
    password: str,
    role: str,
    department_code: str | None = None,
    display_name: str = "",
    by: StaffUser | None,
) -> StaffAccount:
    _validate_username(username)
    validate_password(password, username=username)
    _validate_role(role)
    display_name = _clean_display_name(display_name)
    department = await _department(department_code)
    _check_department(role, department)
    if await StaffUser.exists(username=username):
        raise UsernameTaken(username)
    password_hash = crypto.hash_password(password)
    try:
        async with in_transaction():
            user = await StaffUser.create(
                username=username,
                display_name=display_name,
                password_hash=password_hash,
                role=role,
                department=department,
            )
            await _audit_change(
                by,
                "staff_create",
                user,
                {"role": role, "department": department.code if department else None},
            )
    except IntegrityError as exc:  # created meanwhile by someone else
        raise UsernameTaken(username) from exc
    return _account(user, department)


async def update_user(
    *,
    username: str,
    by: StaffUser | None,
    role: str | Keep = KEEP,
    department_code: str | Keep | None = KEEP,
    display_name: str | Keep = KEEP,
) -> StaffAccount:
    """Change role, department (None: none) and display name; what is left KEEP stays."""
    user = await _user(username)
    department: Department | None = user.department
    changes: dict[str, object] = {}
    if role is not KEEP:
        _validate_role(role)
        if role != user.role:
            if user.role == "admin":
                await _keep_an_admin(user)
            changes["role"] = [user.role, role]
            user.role = role
    if department_code is not KEEP:
        new = await _department(department_code)
        old_code = department.code if department else None
        if (new.code if new else None) != old_code:
            changes["department"] = [old_code, new.code if new else None]
            department = new
            user.department = new
    if display_name is not KEEP:
        cleaned = _clean_display_name(display_name)
        if cleaned != user.display_name:
            changes["display_name"] = [user.display_name, cleaned]
            user.display_name = cleaned
    _check_department(user.role, department)
    if changes:
        async with in_transaction():
            await user.save()
            await _audit_change(by, "staff_update", user, {"changes": changes})
    return _account(user, department)


async def set_active(*, username: str, active: bool, by: StaffUser | None) -> StaffAccount:
    """Deactivate (its tokens stop working at once) or reactivate an account."""
    user = await _user(username)
    async with in_transaction():
        if not active:
            await _keep_an_admin(user)
            revoked = await _revoke_tokens(user)
            if user.active:
                user.active = False
                await user.save(update_fields=["active"])
                await _audit_change(by, "staff_deactivate", user, {"tokens_revoked": revoked})
        elif not user.active:
            user.active = True
            await user.save(update_fields=["active"])
            await _audit_change(by, "staff_reactivate", user, {})
    return _account(user, user.department)


async def reset_password(*, username: str, password: str, by: StaffUser | None) -> StaffAccount:
    """A new password; every token of the account is revoked (it signs in again)."""
    user = await _user(username)
    validate_password(password, username=username)
    user.password_hash = crypto.hash_password(password)
    async with in_transaction():
        await user.save(update_fields=["password_hash"])
        revoked = await _revoke_tokens(user)
        await _audit_change(by, "staff_password_reset", user, {"tokens_revoked": revoked})
    return _account(user, user.department)


async def change_user(
    *,
    username: str,
    by: StaffUser | None,
    role: str | Keep = KEEP,
    department_code: str | Keep | None = KEEP,
    display_name: str | Keep = KEEP,
    active: bool | None = None,
    password: str | None = None,
) -> StaffAccount:
    """Several changes at once, all or none (one audit entry per kind of change)."""
    async with in_transaction():
        account = await update_user(
            username=username,
            by=by,
            role=role,
            department_code=department_code,
            display_name=display_name,
        )
        if password is not None:
            account = await reset_password(username=username, password=password, by=by)
        if active is not None:
            account = await set_active(username=username, active=active, by=by)
    return account


async def get_user(*, username: str) -> StaffAccount:
    user = await _user(username)
    return _account(user, user.department)


async def list_users(
    *,
    role: str | None = None,
    department_code: str | None = None,
    active: bool | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[StaffAccount]:
    query = StaffUser.all()
    if role:
        query = query.filter(role=role)
    if department_code:
        query = query.filter(department__code=department_code)
    if active is not None:
        query = query.filter(active=active)
    users = (
        await query.order_by("username").offset(offset).limit(limit).prefetch_related("department")
    )
    return [_account(user, user.department) for user in users]


@cache
def _dummy_hash() -> str:
    return crypto.hash_password("not-a-real-password")
