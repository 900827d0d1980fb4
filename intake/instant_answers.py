"""Instant answers (即时解答) in the dialogue: answer a consultation from the knowledge base.

    consult, confident match  → answer + "这个回答解决您的问题了吗？"     (await_answer_feedback)
        yes → a ticket closed at once as answered_instantly (the 即时解答 KPI), conversation ends
        no  → filing goes on with the question already captured
    consult, middling match   → "您是不是想问…" up to three choices           (await_choice)
        a number → that answer, then the same feedback question; "0" → filing goes on

Only consultations (triage kind ``consult``, in scope) are ever answered: a complaint, report or
help request must reach a department, however well a standard answer seems to fit it. Anything
longer that does not answer the question asked is taken as a new request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from intake.catalogue import text
from intake.knowledge import retrieval
from intake.knowledge.models import KnowledgeItem
from intake.knowledge.search import SUGGEST, Entry
from intake.messages import Button, Reply
from intake.tickets import TicketDraft, create_ticket
from intake.timeline_notes import timeline_note
from intake.triage import TriageResult
from intake.workflow import Action, apply_action

if TYPE_CHECKING:
    from intake.dialogue import Turn

AWAIT_FEEDBACK, AWAIT_CHOICE = "await_answer_feedback", "await_choice"
STEPS = frozenset({AWAIT_FEEDBACK, AWAIT_CHOICE})
MAX_CHOICES = 3
# A reply at least this long that is not a yes/no/number is a new request, not an answer.
NEW_REQUEST_LENGTH = 6


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_SOLVED = _words(
    "1 解决了 已解决 解决 是 是的 对 好 好的 好滴 行 可以 可以了 嗯 嗯嗯 谢谢 谢谢你 谢谢您 感谢 "
    "明白 明白了 知道了 懂了 清楚了 了解了 有用 有帮助 满意 ok okay yes solved thanks"
)
_NOT_SOLVED = _words(
    "2 没解决 没有解决 未解决 没有 没 不是 不对 否 不行 没用 没帮助 不满意 不清楚 还是不清楚 "
    "还是不懂 不明白 没看懂 继续 继续登记 登记 no"
)
_NONE_OF_THESE = _words("0 都不是 都不对 都没有 不是 没有 没有我要问的 其他 继续 继续登记")

FileNext = Callable[["Turn"], list[Reply]]
Restart = Callable[["Turn", str], Awaitable[list[Reply]]]


def _region(turn: Turn) -> str:
    return str(turn.slots.get("region") or turn.config.default_region)


def _compact(body: str) -> str:
    return body.strip().strip("。.!！~～ ").lower()


def may_answer(result: TriageResult) -> bool:
    """Only an in-scope consultation may be answered from the knowledge base."""
    return result.kind == "consult" and result.scope == "in"


async def offer(turn: Turn, result: TriageResult) -> list[Reply]:
    """What to answer a new request from the knowledge base; [] to file it as usual. The
    request's slots are already filled, so declining an answer goes straight on to filing."""
    if not may_answer(result):
        return []
    hits = await retrieval.search(
        text=turn.slots["description"], region=_region(turn), now=turn.now, limit=MAX_CHOICES
    )
    if hits and hits[0].confident:
        return _answer(turn, _shown(hits[0].entry, hits[0].confidence))
    choices = [hit for hit in hits if hit.confidence >= SUGGEST]
    if not choices:
        return []
    turn.slots["kb_choices"] = [_shown(hit.entry, hit.confidence) for hit in choices]
    turn.goto(AWAIT_CHOICE)
    return [_choices_reply(turn.slots["kb_choices"])]


def _shown(entry: Entry, confidence: float) -> dict[str, Any]:
    """What the conversation keeps of an answer: exactly what the citizen was shown."""
    return {
        "item_id": entry.item_id,
        "code": entry.code,
        "version": entry.version,
        "question": entry.questions[0],
        "answer": entry.answer,
        "category": entry.category,
        "confidence": confidence,
    }


def _answer(turn: Turn, shown: dict[str, Any]) -> list[Reply]:
    turn.slots.pop("kb_choices", None)
    turn.slots["kb_answer"] = shown
    turn.goto(AWAIT_FEEDBACK)
    return [
        Reply(text("knowledge.answer", question=shown["question"], answer=shown["answer"])),
        Reply(
            text("knowledge.ask_feedback"),
            buttons=(
                Button(text("knowledge.button_solved"), "解决了"),
                Button(text("knowledge.button_not_solved"), "没解决"),
            ),
        ),
    ]


def _choices_reply(choices: list[dict[str, Any]]) -> Reply:
    lines = "\n".join(
        text("knowledge.choice_line", number=number, question=choice["question"])
        for number, choice in enumerate(choices, start=1)
    )
    buttons = tuple(
        Button(choice["question"], str(number)) for number, choice in enumerate(choices, start=1)
    )
    return Reply(
        text("knowledge.choices", lines=lines),
        buttons=(*buttons, Button(text("knowledge.button_none"), "0")),
    )


async def follow_up(turn: Turn, body: str, *, file: FileNext, restart: Restart) -> list[Reply]:
    """The citizen's reply in one of ``STEPS``. ``file`` continues filing the captured request;
    ``restart`` handles ``body`` as a new request (the conversation is reset first)."""
    reply = _compact(body)
    if turn.conversation.step == AWAIT_CHOICE:
        return await _on_choice(turn, body, reply, file=file, restart=restart)
    if reply in _SOLVED:
        return [await _answered(turn)]
    if reply in _NOT_SOLVED:
        return _file(turn, file, "knowledge.not_solved")
    if len(reply) >= NEW_REQUEST_LENGTH:
        turn.reset()
        return await restart(turn, body)
    return [Reply(text("knowledge.feedback_reminder"))]


async def _on_choice(
    turn: Turn, body: str, reply: str, *, file: FileNext, restart: Restart
) -> list[Reply]:
    choices: list[dict[str, Any]] = turn.slots.get("kb_choices") or []
    picked = next(
        (c for n, c in enumerate(choices, start=1) if reply in (str(n), _compact(c["question"]))),
        None,
    )
    if picked is not None:
        # The item may have changed since the choices were shown: answer with what is in force.
        item = await KnowledgeItem.get_or_none(id=picked["item_id"], retired=False)
        entry = retrieval.entry_of(item) if item is not None else None
        if entry is None or not entry.serves(region=_region(turn), now=turn.now):
            return _file(turn, file, "knowledge.choice_gone")
        return _answer(turn, _shown(entry, float(picked["confidence"])))
    if reply in _NONE_OF_THESE:
        return _file(turn, file, "knowledge.not_solved")
    if len(reply) >= NEW_REQUEST_LENGTH:
        turn.reset()
        return await restart(turn, body)
    return [Reply(text("knowledge.choice_reminder")), _choices_reply(choices)]


def _file(turn: Turn, file: FileNext, key: str) -> list[Reply]:
    turn.slots.pop("kb_choices", None)
    turn.slots.pop("kb_answer", None)
    return [Reply(text(key)), *file(turn)]


async def _answered(turn: Turn) -> Reply:
    """Record the consultation as answered at once: a ticket received and closed in one go."""
    slots = turn.slots
    shown = slots["kb_answer"]
    draft = TicketDraft(
        channel=turn.message.channel,
        description=slots["description"],
        kind="consult",
        category=shown["category"],
        scope="in",
        region_code=slots.get("region") or "",
        attachments=list(slots.get("attachments", [])),
        confidence=float(shown["confidence"]),
    )
    # Created without the citizen, then linked: repeat detection (并单) would otherwise merge an
    # answered question into the citizen's open ticket of the same category.
    created = await create_ticket(
        draft=draft, citizen=None, config=turn.config, now=turn.now, actor=turn.actor
    )
    ticket = created.ticket
    ticket.citizen = turn.citizen
    ticket.reply_text = text("knowledge.answer", question=shown["question"], answer=shown["answer"])
    ticket.closed_at = turn.now
    await apply_action(
        ticket,
        Action.ANSWER_INSTANTLY,
        actor=turn.actor,
        public_note=timeline_note("answered_instantly"),
        internal_note=f"knowledge {shown['code']} v{shown['version']}",
    )
    turn.reset()
    return Reply(text("knowledge.solved", number=ticket.number), ticket_number=ticket.number)
