"""Mini-program subscribe messages (订阅消息): a ticket's progress to a citizen who allowed it.

A mini-program may message a user only after the user accepted that template in
``wx.requestSubscribeMessage``, one message per accept (recorded by ``POST
/api/v1/notifications/subscriptions``). A grant is spent before the call; a retry of the same
message reuses the ``WechatDelivery`` row of the first try (its openid and payload), so a retried
message never spends a second grant. No grant is a ``NoGrant`` (permanent: the next channel at
once); so is WeChat's 43101, which also zeroes our count, since it was out of date.

The mini-program signs in to WeChat with its own AppID, through the official account's client
and token store (tokens are kept per AppID, so the two never mix).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from channels.models import WechatDelivery
from channels.wechat_oa.client import WechatApi
from channels.wechat_oa.config import WechatConfig, parse_pairs, wechat_config
from channels.wechat_oa.errors import PermanentWechatError
from channels.wechat_oa.outbound import WechatSender
from channels.wechat_oa.template_values import fit
from hotline.settings import Settings
from intake.citizen_requests import forget_grants, take_grant
from intake.workdays import SHANGHAI

# The user refused the template, or has no grant left at WeChat.
NOT_ALLOWED = 43101
# Purposes that share another's template: a reminder is the survey's invitation again.
_TEMPLATE_OF = {"survey_reminder": "survey"}


class NoGrant(PermanentWechatError):
    """The citizen allowed no (more) messages of this template."""


@dataclass(frozen=True)
class TicketNotice:
    """What one subscribe message says: the values of its fields (``number``, ``status``,
    ``time``, ``note``), placed by ``HOTLINE_MINIPROGRAM_TEMPLATE_FIELDS``."""

    purpose: str
    ticket_number: str
    status: str
    note: str
    at: datetime


def template_for(settings: Settings, purpose: str) -> str:
    """The template id of a notification purpose; "" when none is configured."""
    key = _TEMPLATE_OF.get(purpose, purpose)
    return str(getattr(settings, f"miniprogram_template_{key}", "") or "")


def api_config(settings: Settings) -> WechatConfig:
    """The WeChat client's configuration, signed in as the mini-program."""
    return replace(
        wechat_config(settings),
        app_id=settings.miniprogram_app_id,
        app_secret=settings.miniprogram_app_secret,
        api_base=settings.miniprogram_api_base.rstrip("/"),
        api_timeout=settings.miniprogram_api_timeout_seconds,
    )


def payload_for(
    *, settings: Settings, openid: str, template_id: str, notice: TicketNotice
) -> dict[str, Any]:
    values: Mapping[str, str] = {
        "number": notice.ticket_number,
        "status": notice.status,
        "time": notice.at.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M"),
        "note": notice.note,
    }
    fields = parse_pairs(settings.miniprogram_template_fields)
    return {
        "touser": openid,
        "template_id": template_id,
        "page": settings.miniprogram_ticket_page.format(number=notice.ticket_number),
        "miniprogram_state": settings.miniprogram_state,
        "lang": "zh_CN",
        "data": {fields[k]: {"value": fit(fields[k], v)} for k, v in values.items() if k in fields},
    }


async def send_ticket_notice(
    *, settings: Settings, citizen_id: int, notice: TicketNotice, dedup_key: str
) -> None:
    """Send ``notice`` once per ``dedup_key``, or raise a typed ``WechatError``."""
    template_id = template_for(settings, notice.purpose)
    if not template_id:
        raise NoGrant(NOT_ALLOWED, f"no mini-program template for {notice.purpose!r}")
    earlier = await WechatDelivery.get_or_none(dedup_key=dedup_key)
    if earlier is not None:
        openid = earlier.openid  # a retry: the first try spent the grant
    else:
        granted = await take_grant(citizen_id=citizen_id, template_id=template_id)
        if granted is None:
            raise NoGrant(NOT_ALLOWED, f"citizen allowed no message of {template_id}")
        openid = granted
    payload = payload_for(settings=settings, openid=openid, template_id=template_id, notice=notice)
    config = api_config(settings)
    try:
        async with WechatApi(config) as api:
            row = await WechatSender(api, config).send_miniprogram_subscribe(
                openid=openid, payload=payload, dedup_key=dedup_key
            )
    except PermanentWechatError as exc:
        if exc.code == NOT_ALLOWED:
            await forget_grants(openid=openid, template_id=template_id)
        raise
    if row.status in ("failed", "blocked"):  # an earlier try already failed for good
        raise PermanentWechatError(row.error_code or 0, row.error_message)
