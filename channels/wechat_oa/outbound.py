"""Sending to a citizen by WeChat: customer-service messages, template and subscribe messages.

Each send is a ``WechatDelivery`` row keyed by the caller's ``dedup_key``, claimed before the
call, so a task that runs twice sends once. Errors are raised typed (``errors``): a retriable
one leaves the row pending for the next try, a permanent one marks it failed so the caller can
fall back to another channel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from channels.models import WechatDelivery
from channels.wechat_oa import users
from channels.wechat_oa.client import WechatApi
from channels.wechat_oa.config import WechatConfig
from channels.wechat_oa.errors import PermanentWechatError, Unsubscribed, WechatError
from channels.wechat_oa.render import customer_service_payload, split_text
from channels.wechat_oa.template_values import fit
from intake.catalogue import text
from intake.messages import Reply
from intake.workdays import SHANGHAI

CLAIM_TIMEOUT = timedelta(minutes=1)
DONE = ("sent", "delivered", "failed", "blocked")
TEMPLATE_EVENTS = ("accepted", "replied", "closed")
_REPORTS = {"success": "delivered", "failed:user block": "blocked"}


class WechatSender:
    """Sends through ``api``; one instance per task, ``now`` fixed for its checks."""

    def __init__(self, api: WechatApi, config: WechatConfig, *, now: datetime | None = None):
        self.api = api
        self.config = config
        self.now = now or datetime.now(UTC)

    async def _deliver(
        self,
        *,
        dedup_key: str,
        openid: str,
        kind: str,
        payload: dict[str, Any],
        send: Callable[[dict[str, Any]], Awaitable[int | None]],
        check_window: bool,
        official_account: bool = True,
    ) -> WechatDelivery:
        row, _ = await WechatDelivery.get_or_create(
            dedup_key=dedup_key[:191], defaults={"openid": openid, "kind": kind, "payload": payload}
        )
        if row.status in DONE:
            return row
        stale = self.now - CLAIM_TIMEOUT
        claimed = await WechatDelivery.filter(
            Q(status="pending") | Q(status="sending", claimed_at__lt=stale), id=row.id
        ).update(status="sending", claimed_at=self.now, attempts=row.attempts + 1)
        if not claimed:
            return row  # another sender has it right now
        try:
            # A mini-program user follows no account: the grant the caller spent is the permission.
            if official_account and check_window:
                await users.ensure_reachable(openid=openid, now=self.now)
            elif official_account and not await users.is_subscribed(openid=openid):
                raise Unsubscribed(43004, "user unsubscribed (known locally)")
            try:
                msgid = await send(row.payload)
            except Unsubscribed:
                if official_account:
                    # WeChat knows they unfollowed (the event never reached us): remember it,
                    # so later messages stop here instead of asking WeChat each time.
                    await users.unsubscribe(openid=openid, at=self.now)
                raise
        except WechatError as exc:
            row.status = "pending" if exc.retriable else _failed_status(exc)
            row.error_code, row.error_message = exc.code, exc.message[:255]
            await row.save(update_fields=["status", "error_code", "error_message"])
            raise
        row.status, row.wx_msgid = "sent", msgid
        await row.save(update_fields=["status", "wx_msgid"])
        return row

    async def send_reply(
        self, *, openid: str, reply: Reply, dedup_key: str
    ) -> list[WechatDelivery]:
        """One intake reply as customer-service message(s): a menu if it has buttons."""
        pieces = [reply.text] if reply.buttons else split_text(reply.text)
        rows = []
        for index, piece in enumerate(pieces):
            part = Reply(piece, buttons=reply.buttons, ticket_number=reply.ticket_number)
            rows.append(
                await self._deliver(
                    dedup_key=dedup_key if index == 0 else f"{dedup_key}:{index}",
                    openid=openid,
                    kind="text",
                    payload=customer_service_payload(openid, part),
                    send=self._custom,
                    check_window=True,
                )
            )
        return rows

    async def send_text(self, *, openid: str, content: str, dedup_key: str) -> WechatDelivery:
        """A customer-service text (within 48 hours of the user's last interaction)."""
        return (await self.send_reply(openid=openid, reply=Reply(content), dedup_key=dedup_key))[0]

    async def _custom(self, payload: dict[str, Any]) -> None:
        await self.api.send_custom(payload)

    async def send_template(
        self,
        *,
        openid: str,
        event: str,
        ticket_number: str,
        status: str,
        at: datetime,
        dedup_key: str,
        note: str = "",
    ) -> WechatDelivery:
        """A ticket notification (accepted, replied or closed) linking to the ticket."""
        template_id = self.config.templates.get(event, "")
        if event not in TEMPLATE_EVENTS or not template_id:
            raise PermanentWechatError(40037, f"no template configured for {event!r}")
        values = {
            "number": ticket_number,
            "status": status,
            "time": at.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M"),
            "note": note or text(f"wechat.template_{event}"),
        }
        fields = self.config.template_fields
        data = {fields[k]: {"value": fit(fields[k], v)} for k, v in values.items() if k in fields}
        payload = {
            "touser": openid,
            "template_id": template_id,
            "url": self.config.ticket_link(ticket_number),
            "data": data,
        }
        return await self._deliver(
            dedup_key=dedup_key,
            openid=openid,
            kind="template",
            payload=payload,
            send=self.api.send_template,
            check_window=False,  # templates are not bound to the 48-hour window
        )

    async def send_subscribe_message(
        self,
        *,
        openid: str,
        template_id: str,
        data: Mapping[str, str],
        dedup_key: str,
        page: str = "",
    ) -> WechatDelivery:
        """An OA subscribe message (订阅通知), for users who agreed to receive it."""
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": fit(key, value)} for key, value in data.items()},
        }
        if page:
            payload["page"] = page
        return await self._deliver(
            dedup_key=dedup_key,
            openid=openid,
            kind="subscribe",
            payload=payload,
            send=self._subscribe,
            check_window=False,
        )

    async def _subscribe(self, payload: dict[str, Any]) -> None:
        await self.api.send_subscribe(payload)

    async def send_miniprogram_subscribe(
        self, *, openid: str, payload: dict[str, Any], dedup_key: str
    ) -> WechatDelivery:
        """A mini-program subscribe message (``api`` signed in as the mini-program). Neither the
        official account's followers nor its 48-hour window apply: the user's grant does."""
        return await self._deliver(
            dedup_key=dedup_key,
            openid=openid,
            kind="mp_subscribe",
            payload=payload,
            send=self._miniprogram_subscribe,
            check_window=False,
            official_account=False,
        )

    async def _miniprogram_subscribe(self, payload: dict[str, Any]) -> None:
        await self.api.send_miniprogram_subscribe(payload)


def _failed_status(exc: WechatError) -> str:
    return "blocked" if isinstance(exc, Unsubscribed) else "failed"


async def record_template_report(*, msgid: int, status: str) -> None:
    """TEMPLATESENDJOBFINISH: WeChat tells whether a template message reached the user."""
    outcome = _REPORTS.get(status.strip().lower(), "failed")
    await WechatDelivery.filter(wx_msgid=msgid, kind="template").update(
        status=outcome, error_message=status[:255]
    )
