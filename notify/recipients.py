"""Where a citizen can be reached, best first: the channel they used, their other chat
identities, and finally SMS to the contact phone."""

from __future__ import annotations

from dataclasses import dataclass

from hotline import crypto
from hotline.settings import Settings
from intake.models import ChannelIdentity, Ticket

# Chat channels in the order we prefer them after the one the citizen used.
CHAT_ORDER = ("wechat", "miniprogram", "telegram")


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str


async def recipients_for(ticket: Ticket, settings: Settings) -> list[Recipient]:
    found: list[Recipient] = []
    if ticket.citizen_id is not None:  # type: ignore[attr-defined]
        identities = await ChannelIdentity.filter(
            citizen_id=ticket.citizen_id,  # type: ignore[attr-defined]
            channel__in=CHAT_ORDER,
        ).order_by("-id")
        by_channel: dict[str, str] = {}
        for identity in identities:
            by_channel.setdefault(identity.channel, identity.external_id)
        order = sorted(CHAT_ORDER, key=lambda c: (c != ticket.channel, CHAT_ORDER.index(c)))
        found.extend(Recipient(c, by_channel[c]) for c in order if c in by_channel)
    phone = _contact_phone(ticket, settings)
    if phone:
        found.append(Recipient("sms", phone))
    return found


def _contact_phone(ticket: Ticket, settings: Settings) -> str:
    if not ticket.contact_phone_encrypted:
        return ""
    try:
        return crypto.decrypt(ticket.contact_phone_encrypted, secret_key=settings.secret_key)
    except ValueError:
        return ""
