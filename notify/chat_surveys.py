"""Surveys answered in chat: the citizen's next message after the question goes to the survey.

When a survey question is delivered on a chat channel, that conversation is marked
``awaiting="survey:<id>"``; intake's dialogue hands the next idle reply to ``survey_responder``.
A reply that is plainly a new request, not an answer, goes back to the dialogue instead.
"""

from __future__ import annotations

from intake.dialogue import Turn, add_responder
from intake.messages import Reply
from intake.models import Conversation, Ticket
from intake.survey_answers import parse_answer
from notify import surveys
from notify.models import Survey
from notify.recipients import Recipient

CHAT = frozenset({"wechat", "telegram", "test"})
# Longer than this and not an answer: the citizen is telling us something new.
NEW_REQUEST_LENGTH = 15


async def survey_responder(turn: Turn, key: str, body: str) -> list[Reply] | None:
    survey = await Survey.get_or_none(id=int(key)) if key.isdigit() else None
    if survey is None or survey.status != "sent":
        turn.conversation.awaiting = ""
        return None
    if survey.stage != "comment":
        parsed = parse_answer(body, expecting=survey.stage)
        if not parsed.understood and len(body) > NEW_REQUEST_LENGTH:
            turn.conversation.awaiting = ""
            return None
    replies = await surveys.answer(survey=survey, reply_text=body, actor=turn.actor, now=turn.now)
    if (await Survey.get(id=survey.id)).status != "sent":
        turn.conversation.awaiting = ""
    return replies


async def await_survey_reply(*, survey_id: int, ticket: Ticket, recipient: Recipient) -> None:
    """Mark the citizen's conversation on ``recipient``'s channel as awaiting this survey."""
    if recipient.channel not in CHAT or ticket.citizen_id is None:  # type: ignore[attr-defined]
        return
    updated = await Conversation.filter(channel=recipient.channel, sender=recipient.address).update(
        awaiting=f"survey:{survey_id}"
    )
    if not updated:
        await Conversation.create(
            channel=recipient.channel,
            sender=recipient.address,
            citizen_id=ticket.citizen_id,  # type: ignore[attr-defined]
            awaiting=f"survey:{survey_id}",
        )


def install() -> None:
    add_responder("survey", survey_responder)
