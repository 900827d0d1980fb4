"""Where a citizen can be reached, best first: the channel they used, their other chat
identities, and finally SMS to the contact phone.

Surveys may also go by phone call (a task for the call-centre platform): first for those who
called the hotline, and otherwise before SMS, because nobody can answer a survey by SMS (no
SMS comes back in) while a call takes the answer on the spot.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline import crypto
from hotline.settings import Settings
from intake.models import ChannelIdentity, Ticket

# Chat channels in the order we prefer them after the one the citizen used.
CHAT_ORDER = ("wechat", "miniprogram", "telegram")
PHONE_CALL = "phone_call"
SURVEY_PURPOSES = frozenset({"survey", "survey_reminder"})


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str


async def recipients_for(
    ticket: Ticket, settings: Settings, *, purpose: str = ""
) -> list[Recipient]:
    chats = await _chat_recipients(ticket)
    phone = _contact_phone(ticket, settings)
    if not phone:
        return chats
    sms = [Recipient("sms", phone)]
    if purpose not in SURVEY_PURPOSES:
        return [*chats, *sms]
    call = [Recipient(PHONE_CALL, phone)]
    if ticket.channel == "phone":
        return [*call, *chats, *sms]
    return [*chats, *call, *sms]


async def _chat_recipients(ticket: Ticket) -> list[Recipient]:
    if ticket.citizen_id is None:  # type: ignore[attr-defined]
        return []
    identities = await ChannelIdentity.filter(
        citizen_id=ticket.citizen_id,  # type: ignore[attr-defined]
        channel__in=CHAT_ORDER,
    ).order_by("-id")
    by_channel: dict[str, str] = {}
    for identity in identities:
        by_channel.setdefault(identity.channel, identity.external_id)
    order = sorted(CHAT_ORDER, key=lambda c: (c != ticket.channel, CHAT_ORDER.index(c)))
    return [Recipient(c, by_channel[c]) for c in order if c in by_channel]


def _contact_phone(ticket: Ticket, settings: Settings) -> str:
    if not ticket.contact_phone_encrypted:
        return ""
    try:
        return crypto.decrypt(ticket.contact_phone_encrypted, secret_key=settings.secret_key)
    except ValueError:
        return ""
