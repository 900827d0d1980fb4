"""Request and response bodies of the mobile API (mini-program and app), with examples."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas import TicketPublicOut
from intake.citizen_auth import TokenPair
from intake.my_tickets import MyTicket, TicketPage

Satisfaction = Literal[
    "very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"
]
TemplateId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
]


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class WechatLoginIn(BaseModel):
    model_config = _examples({"code": "0a3Xk2000Hb1uP1Q4k300aXw2d2Xk20q"})

    code: str = Field(min_length=1, max_length=128, description="wx.login() 返回的 code")


class SmsCodeIn(BaseModel):
    model_config = _examples({"phone": "13800138000"})

    phone: str = Field(min_length=11, max_length=20)


class SmsCodeOut(BaseModel):
    expires_in: int = Field(description="seconds the code stays valid")
    message: str


class SmsLoginIn(BaseModel):
    model_config = _examples({"phone": "13800138000", "code": "402817"})

    phone: str = Field(min_length=11, max_length=20)
    code: str = Field(pattern=r"^\d{6}$")


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=8, max_length=128)


class TokenOut(BaseModel):
    model_config = _examples(
        {
            "access_token": "at_Q2hpbmEgMTIzNDUgaG90bGluZSBhY2Nlc3MgdG9rZW4",
            "token_type": "bearer",
            "expires_at": "2026-11-27T03:30:00Z",
            "refresh_token": "rt_cmVmcmVzaCB0b2tlbiBmb3IgdGhlIHNhbWUgZGV2aWNl",
            "refresh_expires_at": "2026-12-27T03:00:00Z",
        }
    )

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime

    @classmethod
    def of(cls, pair: TokenPair) -> TokenOut:
        return cls(
            access_token=pair.access_token,
            expires_at=pair.access_expires_at,
            refresh_token=pair.refresh_token,
            refresh_expires_at=pair.refresh_expires_at,
        )


class MobileFilingIn(BaseModel):
    model_config = _examples(
        {
            "description": "鼓楼区五一北路88号小区门口的路灯坏了一个多星期，晚上很黑。",
            "location": "鼓楼区五一北路88号",
            "latitude": 26.0899,
            "longitude": 119.3037,
            "media_ids": [12, 13],
        }
    )

    description: str = Field(min_length=5, max_length=2000)
    contact_phone: str | None = Field(
        default=None, min_length=11, max_length=20, description="默认：上次留的号码"
    )
    kind: str | None = Field(default=None, description="consult/help/complaint/report/…")
    category: str | None = Field(default=None, description="事项分类 code")
    location: str = Field(default="", max_length=255)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    region: str | None = Field(default=None, max_length=8)
    media_ids: list[int] = Field(default_factory=list, max_length=9, description="已上传的附件")


class TicketSummaryOut(BaseModel):
    number: str
    status: str
    status_name: str
    kind_name: str
    category_name: str
    summary: str
    created_at: datetime
    due_at: datetime | None


class TicketPageOut(BaseModel):
    items: list[TicketSummaryOut]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: TicketPage) -> TicketPageOut:
        return cls(
            items=[TicketSummaryOut(**item.__dict__) for item in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class AttachmentOut(BaseModel):
    kind: str
    media_id: int | None
    mime_type: str
    duration_ms: int | None


class MyTicketOut(TicketPublicOut):
    """The citizen-safe ticket plus what the citizen may do with it now."""

    satisfaction: str | None
    attachments: list[AttachmentOut]
    can_supplement: bool
    can_urge: bool
    can_evaluate: bool

    @classmethod
    def of_mine(cls, mine: MyTicket) -> MyTicketOut:
        base = TicketPublicOut.of(mine.view).model_dump()
        return cls(
            **base,
            satisfaction=mine.satisfaction,
            attachments=[AttachmentOut(**a) for a in mine.attachments],
            can_supplement=mine.can_supplement,
            can_urge=mine.can_urge,
            can_evaluate=mine.can_evaluate,
        )


class SupplementIn(BaseModel):
    model_config = _examples({"text": "补充一下：路灯编号是GL-0231，旁边还有一盏也不亮。"})

    text: str = Field(min_length=1, max_length=2000)
    media_ids: list[int] = Field(default_factory=list, max_length=9)


class MobileEvaluateIn(BaseModel):
    model_config = _examples({"satisfaction": "satisfied", "comment": "处理很及时，谢谢。"})

    satisfaction: Satisfaction = Field(description="全国统一五级评价")
    comment: str = Field(default="", max_length=2000)


class LinkOut(BaseModel):
    url: str
    app_url: str
    expires_at: datetime


class SubscriptionsIn(BaseModel):
    """What ``wx.requestSubscribeMessage`` returned, template id → accept | reject | ban."""

    model_config = _examples({"results": {"x5aBcD_ticket_status_template": "accept"}})

    results: dict[TemplateId, Literal["accept", "reject", "ban", "filter"]] = Field(
        min_length=1, max_length=10
    )


class GrantOut(BaseModel):
    template_id: str
    remaining: int
    last_result: str


class MediaOut(BaseModel):
    model_config = _examples(
        {"id": 12, "kind": "image", "content_type": "image/jpeg", "size": 348211}
    )

    id: int
    kind: str
    content_type: str
    size: int
    duration_ms: int | None = None


class CategoryOut(BaseModel):
    code: str
    name: str
    department: str
    needs_location: bool


class FormOptionsOut(BaseModel):
    """Everything the filing form offers: kinds, categories and regions."""

    kinds: dict[str, str]
    categories: list[CategoryOut]
    regions: dict[str, str]


class DepartmentOut(BaseModel):
    code: str
    name: str
    region: str
