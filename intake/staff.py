"""Staff accounts: sign-in with a password, bearer tokens, sign-out, and the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from hotline import crypto
from intake.errors import Unauthorized
from intake.models import AuditLog, StaffToken, StaffUser

ROLES = ("admin", "supervisor", "operator", "department")


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


@cache
def _dummy_hash() -> str:
    return crypto.hash_password("not-a-real-password")
