"""What a mini-program subscribe message says about a ticket: a short status and a note.

A subscribe message has a few short fields instead of the text other channels get (a ``thing``
holds 20 characters), so the note is its own catalogue sentence, filled from the ticket: the
department it went to, the reply itself, the new deadline. Cutting to WeChat's limits is the
channel's business (``channels.wechat_oa.template_values``).
"""

from __future__ import annotations

from datetime import datetime

from channels.miniprogram_subscribe import TicketNotice
from intake.catalogue import text
from intake.models import Ticket
from intake.operations import format_due
from intake.tickets import department_name


async def notice_for(*, ticket: Ticket, purpose: str, at: datetime) -> TicketNotice:
    params: dict[str, str] = {}
    if purpose == "dispatched":
        params["department"] = await department_name(ticket)
    elif purpose == "replied":
        params["reply"] = ticket.reply_text
    elif purpose == "extended" and ticket.due_at is not None:
        params["due"] = format_due(ticket.due_at)
    return TicketNotice(
        purpose=purpose,
        ticket_number=ticket.number,
        status=text(f"miniprogram_notice.status_{purpose}"),
        note=text(f"miniprogram_notice.note_{purpose}", **params),
        at=at,
    )
