"""Request and response bodies of the HTTP API (documented in OpenAPI with examples)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from intake.progress import TicketView
from intake.staff import (
    DISPLAY_NAME_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    USERNAME_PATTERN,
)


class FilingIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "description": "鼓楼区五一北路88号小区门口的路灯坏了一个多星期，晚上很黑。",
                    "contact_phone": "13800138000",
                    "location": "鼓楼区五一北路88号",
                }
            ]
        }
    )

    description: str = Field(min_length=5, max_length=2000)
    contact_phone: str = Field(min_length=11, max_length=20)
    kind: str | None = Field(
        default=None, description="consult/help/complaint/report/suggestion/praise"
    )
    category: str | None = Field(default=None, description="事项分类 code, e.g. urban.streetlight")
    location: str = Field(default="", max_length=255)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    region: str | None = Field(default=None, max_length=8)


class FilingOut(BaseModel):
    number: str
    status: str
    message: str
    due_at: str | None = None
    merged_into: str | None = None
    scope: str = "in"


class TimelineEntryOut(BaseModel):
    at: datetime
    text: str


class TicketPublicOut(BaseModel):
    """What a citizen sees of a ticket: no staff names, no internal notes, personal data masked."""

    number: str
    status: str
    status_name: str
    kind: str
    kind_name: str
    category: str | None
    category_name: str
    department_name: str
    description: str
    location: str
    created_at: datetime
    due_at: datetime | None
    reply: str
    timeline: list[TimelineEntryOut]

    @classmethod
    def of(cls, view: TicketView) -> TicketPublicOut:
        return cls(
            number=view.number,
            status=view.status,
            status_name=view.status_name,
            kind=view.kind,
            kind_name=view.kind_name,
            category=view.category,
            category_name=view.category_name,
            department_name=view.department_name,
            description=view.description,
            location=view.location,
            created_at=view.created_at,
            due_at=view.due_at,
            reply=view.reply,
            timeline=[TimelineEntryOut(at=e.at, text=e.text) for e in view.timeline],
        )


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LoginOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class DispatchIn(NoteIn):
    department_code: str | None = None


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ReplyIn(BaseModel):
    reply: str = Field(min_length=1, max_length=5000)


class ExtensionRequestIn(BaseModel):
    days: int = Field(ge=1, le=60)
    reason: str = Field(min_length=1, max_length=2000)


class ExtensionDecisionIn(NoteIn):
    approve: bool


class EvaluateIn(BaseModel):
    satisfaction: str = Field(description="very_satisfied … very_dissatisfied")
    comment: str = Field(default="", max_length=2000)


class StaffTicketOut(BaseModel):
    number: str
    status: str
    channel: str
    kind: str
    category: str | None
    scope: str
    urgency: str
    description: str
    location: str
    department_code: str | None
    due_at: datetime | None
    due_is_estimate: bool
    supervised: bool
    extension_requested_days: int | None
    contact_phone: str
    reply: str
    satisfaction: str | None
    merged_into: str | None
    created_at: datetime


class StaffEventOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str | None
    actor_type: str
    actor_id: str
    public_note: str
    internal_note: str
    created_at: datetime


# --- staff accounts (admin only) ---

StaffRole = Literal["admin", "supervisor", "operator", "department"]  # intake.staff.ROLES
_PASSWORD = f"{PASSWORD_MIN_LENGTH}-{PASSWORD_MAX_LENGTH} characters, not the username"
_DEPARTMENT = "联动单位 code, e.g. FZ-urban-illegal_building; required for role `department`"


class StaffUserIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "fz-chengguan-1",
                    "password": "a-long-passphrase",
                    "role": "department",
                    "department_code": "FZ-urban-illegal_building",
                    "display_name": "福州市城市管理局 张三",
                }
            ]
        },
    )

    username: str = Field(
        pattern=USERNAME_PATTERN,
        description="3-64 characters: lowercase letters, digits, '.', '_' or '-'",
    )
    password: str = Field(
        min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH, description=_PASSWORD
    )
    role: StaffRole
    department_code: str | None = Field(default=None, max_length=64, description=_DEPARTMENT)
    display_name: str = Field(default="", max_length=DISPLAY_NAME_MAX_LENGTH)


class StaffUserPatch(BaseModel):
    """Only the fields sent change; `department_code: null` removes the department."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"role": "department", "department_code": "FZ-urban-illegal_building"},
                {"active": False},
                {"password": "a-new-long-passphrase"},
            ]
        },
    )

    role: StaffRole | None = None
    department_code: str | None = Field(default=None, max_length=64, description=_DEPARTMENT)
    display_name: str | None = Field(default=None, max_length=DISPLAY_NAME_MAX_LENGTH)
    active: bool | None = Field(
        default=None, description="false deactivates the account and revokes its tokens at once"
    )
    password: str | None = Field(
        default=None,
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
        description=f"a new password ({_PASSWORD}); revokes the account's tokens",
    )


class StaffUserOut(BaseModel):
    username: str
    display_name: str
    role: str
    department_code: str | None
    active: bool
    created_at: datetime
