"""Keyword-argument factories for test data."""

from __future__ import annotations

import itertools
from datetime import datetime

from hotline.crypto import hash_password
from intake.config import IntakeConfig
from intake.messages import IntakeMessage, Location, Media
from intake.models import Citizen, Department, RoutingRule, StaffUser
from intake.receive import receive
from intake.tickets import Created, TicketDraft, create_ticket
from intake.workflow import Actor

_ids = itertools.count(1)


def message(
    text: str = "",
    *,
    sender: str = "citizen-1",
    channel: str = "test",
    external_id: str = "",
    location: Location | None = None,
    media: tuple[Media, ...] = (),
    region_hint: str = "",
    language: str = "",
) -> IntakeMessage:
    return IntakeMessage(
        channel=channel,
        sender=sender,
        external_id=external_id or f"m{next(_ids)}",
        text=text,
        location=location,
        media=media,
        region_hint=region_hint,
        language=language,
    )


class Chat:
    """A citizen talking to the service on one channel; ``say`` returns the reply texts."""

    def __init__(
        self,
        config: IntakeConfig,
        *,
        sender: str = "citizen-1",
        channel: str = "test",
        now: datetime | None = None,
        language: str = "",
    ) -> None:
        self.config = config
        self.sender = sender
        self.channel = channel
        self.now = now
        self.language = language

    async def say(self, text: str = "", **kwargs: object) -> list[str]:
        said = message(
            text,
            sender=self.sender,
            channel=self.channel,
            language=self.language,
            **kwargs,  # type: ignore[arg-type]
        )
        result = await receive(
            said,
            config=self.config,
            now=self.now,
        )
        return [reply.text for reply in result.replies]


async def ticket(
    config: IntakeConfig,
    *,
    now: datetime,
    description: str = "五一北路88号路灯不亮了一周",
    kind: str = "help",
    category: str | None = "urban.streetlight",
    urgency: str = "normal",
    citizen: Citizen | None = None,
    phone: str = "13800138000",
    location: str = "五一北路88号",
    region: str = "FZ",
) -> Created:
    draft = TicketDraft(
        channel="test",
        description=description,
        kind=kind,
        category=category,
        urgency=urgency,
        region_code=region,
        location=location,
        contact_phone=phone,
    )
    return await create_ticket(
        draft=draft, citizen=citizen, config=config, now=now, actor=Actor("citizen", "test")
    )


async def routed_department(
    *, category: str = "urban.streetlight", region: str = "FZ"
) -> Department:
    """The department the seeded routing sends ``category`` in ``region`` to."""
    rule = await RoutingRule.get(region__code=region, category=category).prefetch_related(
        "department"
    )
    return rule.department


async def staff_user(
    *,
    username: str = "operator1",
    password: str = "pw-operator-123",
    role: str = "operator",
    department: str | None = None,
) -> StaffUser:
    """``department``: a department code. A ``department`` user without one is bound to the
    department Fuzhou's streetlight requests are routed to (the tickets most tests file)."""
    unit = await Department.get(code=department) if department else None
    if role == "department" and unit is None:
        unit = await routed_department()
    return await StaffUser.create(
        username=username,
        password_hash=hash_password(password, iterations=1000),
        role=role,
        department=unit,
    )
