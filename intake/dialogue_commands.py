"""What the dialogue answers to a command (``intake.commands``): help, cancel, a human agent,
the citizen's tickets, a ticket's progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake.catalogue import text
from intake.commands import Command
from intake.display_names import category_name
from intake.errors import TicketNotFound
from intake.messages import Reply
from intake.progress import lookup_for_citizen, render_view, tickets_of

if TYPE_CHECKING:
    from intake.dialogue import Turn


async def answer_command(turn: Turn, command: Command, argument: str) -> list[Reply]:
    """The reply to a command, whatever step the conversation is at."""
    if command is Command.HELP:
        return [Reply(text("dialogue.help"))]
    if command is Command.CANCEL:
        if turn.idle:
            return [Reply(text("dialogue.nothing_to_cancel"))]
        turn.reset()
        return [Reply(text("dialogue.cancelled"))]
    if command is Command.HUMAN:
        turn.conversation.handoff = True
        return [Reply(text("dialogue.handoff"), action="handoff")]
    if command is Command.MY_TICKETS:
        return [await _my_tickets(turn)]
    if not argument:
        return [Reply(text("dialogue.ask_ticket_number"))]
    try:
        view = await lookup_for_citizen(number=argument, citizen_id=turn.citizen.id)
    except TicketNotFound:
        return [Reply(text("progress.not_found"))]
    return [Reply(render_view(view), ticket_number=view.number)]


async def _my_tickets(turn: Turn) -> Reply:
    tickets = await tickets_of(citizen_id=turn.citizen.id, limit=5)
    if not tickets:
        return Reply(text("dialogue.no_tickets"))
    lines = [text("dialogue.my_tickets_header")]
    for ticket in tickets:
        lines.append(
            text(
                "dialogue.my_tickets_line",
                number=ticket.number,
                category=category_name(ticket.category),
                status=text(f"status.{ticket.status}"),
            )
        )
    lines.append(text("dialogue.my_tickets_footer"))
    return Reply("\n".join(lines))
