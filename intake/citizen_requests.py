"""What a citizen asks of a ticket after filing: supplement (补充), urge (催办), evaluate (评价),
and consent to mini-program notifications (订阅消息).

Each runs in one transaction with the ticket row locked, so two taps of the same button are
handled one after the other and the limits hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from intake import media, operations, ratelimit
from intake.catalogue import text
from intake.citizen_auth import MINIPROGRAM, CitizenPrincipal
from intake.errors import HotlineError, InvalidInput
from intake.mobile_models import NotificationGrant
from intake.models import ChannelIdentity, Ticket, TicketEvent
from intake.my_tickets import EVALUABLE, UrgePolicy, last_urge, own_ticket, urge_refusal
from intake.workflow import OPEN_STATUSES, Actor

SUPPLEMENTS_PER_HOUR = 20


class TicketNotOpen(HotlineError):
    code = "ticket_not_open"
    status_code = 409
    message_key = "mobile_error.ticket_closed_for_supplement"


class UrgeNotOpen(HotlineError):
    code = "urge_not_open"
    status_code = 409
    message_key = "mobile_error.urge_not_open"


class UrgeTooEarly(HotlineError):
    code = "urge_too_early"
    status_code = 409
    message_key = "mobile_error.urge_too_early"


class UrgeTooOften(HotlineError):
    code = "urge_too_often"
    status_code = 429
    message_key = "mobile_error.urge_too_often"


_URGE_REFUSALS: dict[str, type[HotlineError]] = {
    cls.message_key: cls for cls in (UrgeNotOpen, UrgeTooEarly, UrgeTooOften)
}


class NotEvaluable(HotlineError):
    code = "not_evaluable"
    status_code = 409
    message_key = "mobile_error.not_evaluable"


class WrongChannel(HotlineError):
    code = "wrong_channel"
    status_code = 422
    message_key = "mobile_error.subscription_wrong_channel"


def actor_of(principal: CitizenPrincipal) -> Actor:
    return Actor("citizen", f"{principal.channel}:{principal.citizen_id}")


async def supplement(
    *, principal: CitizenPrincipal, number: str, note: str, media_ids: Sequence[int], now: datetime
) -> None:
    """补充: more information for the department, recorded on the ticket's history."""
    uploads = await media.own_uploads(citizen_id=principal.citizen_id, media_ids=media_ids)
    if not note.strip() and not uploads:
        raise InvalidInput("an empty supplement")
    async with in_transaction():
        ticket = await own_ticket(number=number, citizen_id=principal.citizen_id, lock=True)
        await ratelimit.enforce(
            key=f"supplement:{ticket.number}",
            limit=SUPPLEMENTS_PER_HOUR,
            window_seconds=3600,
            now=now,
        )
        if ticket.status not in OPEN_STATUSES:
            raise TicketNotOpen(ticket.status)
        if uploads:
            ticket.attachments = [*ticket.attachments, *map(media.attachment_of, uploads)]
            await ticket.save(update_fields=["attachments", "updated_at"])
        files = "".join(f"\n[{u.kind}] media {u.id}" for u in uploads)
        await TicketEvent.create(
            ticket=ticket,
            action="supplement",
            actor_type="citizen",
            actor_id=actor_of(principal).id,
            public_note=text("mobile_timeline.supplemented"),
            # The department reads it in the staff view of the history, with the files named.
            internal_note=note.strip() + files,
        )
    await media.link_to_ticket(uploads=uploads, ticket=ticket)


async def urge(
    *, principal: CitizenPrincipal, number: str, policy: UrgePolicy, now: datetime
) -> None:
    """催办: not before ``after_workdays`` working days, then once per ``interval_hours``."""
    async with in_transaction():
        ticket = await own_ticket(number=number, citizen_id=principal.citizen_id, lock=True)
        refusal = urge_refusal(ticket, last=await last_urge(ticket), policy=policy, now=now)
        if refusal is not None:
            raise _URGE_REFUSALS[refusal](
                ticket.number, days=str(policy.after_workdays), hours=str(policy.interval_hours)
            )
        await TicketEvent.create(
            ticket=ticket,
            action="urge",
            actor_type="citizen",
            actor_id=actor_of(principal).id,
            public_note=text("mobile_timeline.urged"),
            internal_note="citizen urged (催办)",
            created_at=now.astimezone(UTC),
        )


async def evaluate_ticket(*, ticket: Ticket, satisfaction: str, comment: str, actor: Actor) -> None:
    """评价 by the citizen; an unsatisfied answer reopens the ticket (``operations.evaluate``)."""
    if ticket.status not in EVALUABLE:
        raise NotEvaluable(ticket.status)
    await operations.evaluate(
        number=ticket.number, satisfaction=satisfaction, actor=actor, comment=comment.strip()
    )


async def evaluate(
    *, principal: CitizenPrincipal, number: str, satisfaction: str, comment: str
) -> None:
    ticket = await own_ticket(number=number, citizen_id=principal.citizen_id)
    await evaluate_ticket(
        ticket=ticket, satisfaction=satisfaction, comment=comment, actor=actor_of(principal)
    )


@dataclass(frozen=True)
class Grant:
    template_id: str
    remaining: int
    last_result: str


async def record_subscriptions(
    *, principal: CitizenPrincipal, results: Mapping[str, str]
) -> list[Grant]:
    """Record what ``wx.requestSubscribeMessage`` answered: ``{template_id: accept|reject|ban}``.

    Each accept allows one message of that template; ban (the user turned the template off)
    cancels what was left; reject changes nothing; WeChat's ``filter`` is ignored.
    """
    if principal.channel != MINIPROGRAM or principal.identity_id is None:
        raise WrongChannel(principal.channel)
    identity = await ChannelIdentity.get(id=principal.identity_id)
    grants = []
    for template_id, result in results.items():
        if result not in ("accept", "reject", "ban"):
            continue
        grant = await _grant(principal.citizen_id, identity.external_id, template_id)
        if result == "accept":
            await NotificationGrant.filter(id=grant.id).update(
                remaining=F("remaining") + 1, last_result=result
            )
        else:
            remaining = 0 if result == "ban" else grant.remaining
            await NotificationGrant.filter(id=grant.id).update(
                remaining=remaining, last_result=result
            )
        await grant.refresh_from_db()
        grants.append(Grant(template_id, grant.remaining, grant.last_result))
    return grants


async def _grant(citizen_id: int, openid: str, template_id: str) -> NotificationGrant:
    grant = await NotificationGrant.get_or_none(openid=openid, template_id=template_id)
    if grant is not None:
        return grant
    try:
        return await NotificationGrant.create(
            citizen_id=citizen_id, openid=openid, template_id=template_id
        )
    except IntegrityError:  # two answers for one template raced
        return await NotificationGrant.get(openid=openid, template_id=template_id)


async def take_grant(*, citizen_id: int, template_id: str) -> str | None:
    """For the notifier: spend one allowed message of ``template_id``; the openid to send to,
    or None when the citizen did not allow (any more) messages of it."""
    for grant in await NotificationGrant.filter(
        citizen_id=citizen_id, template_id=template_id, remaining__gt=0
    ):
        spent = await NotificationGrant.filter(id=grant.id, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
        if spent:
            return grant.openid
    return None


async def forget_grants(*, openid: str, template_id: str) -> None:
    """WeChat says this user allows no message of ``template_id`` (errcode 43101): what we
    counted is out of date (a grant spent or withdrawn elsewhere), so stop spending it."""
    await NotificationGrant.filter(openid=openid, template_id=template_id).update(remaining=0)
