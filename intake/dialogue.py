"""The multi-turn dialogue, the same on every channel.

A conversation is a small state machine stored in ``Conversation.step`` and ``slots``:

    idle → (await_location) → (await_phone) → await_confirm → ticket created → idle
    idle → await_choice / await_answer_feedback → answered at once, or on to filing as above
           (a consultation the knowledge base can answer: ``intake.instant_answers``)

Only what is missing is asked: a place when the category happens somewhere and none was named, a
contact phone when none is known. Commands (查询, 我的工单, 取消, 人工, 帮助; answered by
``intake.dialogue_commands``) work at any step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from intake import instant_answers, kind_choice
from intake.catalogue import text
from intake.citizens import known_phone, remember_phone
from intake.commands import parse_command
from intake.config import IntakeConfig
from intake.dialogue_commands import answer_command
from intake.display_names import category_name, kind_name
from intake.messages import Button, IntakeMessage, Reply
from intake.models import Citizen, Conversation
from intake.operations import format_due
from intake.pii import PiiKind, find_pii, mask_phone, normalize_mobile
from intake.places import extract_location
from intake.recording import record_emergency, record_out_of_scope
from intake.taxonomy import CATEGORIES
from intake.tickets import TicketDraft, create_ticket, department_name
from intake.triage import triage
from intake.triage_english import might_be_an_emergency
from intake.workflow import Actor

IDLE, AWAIT_LOCATION, AWAIT_PHONE, AWAIT_CONFIRM, EXPIRED = (
    "idle",
    "await_location",
    "await_phone",
    "await_confirm",
    "expired",
)
_GREETINGS = frozenset({"你好", "您好", "在吗", "在不在", "hi", "hello", "喂", "有人吗"})
_CONFIRM = frozenset(
    {
        "确认",
        "确定",
        "是",
        "是的",
        "对",
        "对的",
        "提交",
        "好",
        "好的",
        "可以",
        "没问题",
        "确认提交",
        "1",
        # Citizens on an English client (Telegram abroad) are told they may reply in English.
        "yes",
        "y",
        "ok",
        "okay",
        "confirm",
        "submit",
    }
)
_LOCATION_PREFIXES = ("地点", "地址", "位置", "修改地点", "修改地址", "place", "address")
MIN_DESCRIPTION = 6


class Turn:
    """One inbound message being handled: the conversation, the citizen and the clock."""

    def __init__(
        self,
        *,
        message: IntakeMessage,
        conversation: Conversation,
        citizen: Citizen,
        config: IntakeConfig,
        now: datetime,
    ) -> None:
        self.message = message
        self.conversation = conversation
        self.citizen = citizen
        self.config = config
        self.now = now
        self.actor = Actor("citizen", f"{message.channel}:{message.sender}")

    @property
    def slots(self) -> dict[str, Any]:
        return self.conversation.slots

    def goto(self, step: str) -> None:
        self.conversation.step = step
        self.conversation.expires_at = (
            None if step == IDLE else self.now + timedelta(minutes=self.config.idle_minutes)
        )

    def reset(self) -> None:
        self.conversation.slots = {}
        self.goto(IDLE)

    @property
    def idle(self) -> bool:
        """No request is being filled in."""
        return self.conversation.step == IDLE


async def converse(turn: Turn) -> list[Reply]:
    """Everything the service answers to one message. The caller saves the conversation."""
    conversation = turn.conversation
    if conversation.handoff:
        return []  # an operator has the conversation; the bot keeps quiet until released
    prefix: list[Reply] = []
    expired = conversation.step == EXPIRED or (
        conversation.step != IDLE
        and conversation.expires_at is not None
        and conversation.expires_at < turn.now
    )
    if expired:
        turn.reset()
        prefix.append(Reply(text("dialogue.expired", minutes=turn.config.idle_minutes)))
    body = turn.message.text.strip()
    command = parse_command(body) if body else None
    if command is not None:
        return prefix + await answer_command(turn, command.command, command.argument)
    if conversation.awaiting and conversation.step == IDLE and body:
        answered = await _to_responder(turn, body)
        if answered is not None:
            return prefix + answered
    step = conversation.step
    if step == AWAIT_LOCATION:
        return prefix + await _answer_location(turn, body)
    if step == AWAIT_PHONE:
        return prefix + await _answer_phone(turn, body)
    if step == AWAIT_CONFIRM:
        return prefix + await _answer_confirm(turn, body)
    if step in instant_answers.STEPS:
        return prefix + await instant_answers.follow_up(
            turn, body, file=_next_question, restart=_start
        )
    return prefix + await _start(turn, body)


# Packages that ask citizens questions of their own (notify: callback surveys) answer the reply,
# keyed by the prefix of Conversation.awaiting. intake never imports them.
Responder = Callable[[Turn, str, str], Awaitable[list[Reply] | None]]
_responders: dict[str, Responder] = {}


def add_responder(prefix: str, responder: Responder) -> None:
    """``responder(turn, key, text)`` answers when ``awaiting`` is ``"<prefix>:<key>"``; it
    returns None to let the dialogue handle the message as usual (and should then clear
    ``turn.conversation.awaiting`` if the question no longer stands)."""
    _responders[prefix] = responder


async def _to_responder(turn: Turn, body: str) -> list[Reply] | None:
    prefix, _, key = turn.conversation.awaiting.partition(":")
    responder = _responders.get(prefix)
    if responder is None:
        turn.conversation.awaiting = ""
        return None
    return await responder(turn, key, body)


def _media_names(turn: Turn) -> str:
    return "、".join(dict.fromkeys(text(f"media.{m.kind}") for m in turn.message.media))


def _attach_media(turn: Turn) -> None:
    attachments = turn.slots.setdefault("attachments", [])
    for media in turn.message.media:
        attachments.append({"kind": media.kind, "ref": media.ref, "mime_type": media.mime_type})


async def _start(turn: Turn, body: str) -> list[Reply]:
    if turn.message.media:
        _attach_media(turn)
    if not body:
        if turn.message.media:
            return [Reply(text("dialogue.media_received", media=_media_names(turn)))]
        return [Reply(text("dialogue.welcome"))]
    if body.lower() in _GREETINGS:
        return [Reply(text("dialogue.welcome"))]
    result = triage(body)
    if result.is_emergency:
        ticket = await record_emergency(turn=turn, description=body, result=result)
        number = result.emergency_number or "110"
        return [
            Reply(
                text(f"emergency.{number}"),
                ticket_number=ticket.number,
                action=f"emergency:{number}",
            )
        ]
    if result.is_out_of_scope:
        ticket = await record_out_of_scope(turn=turn, description=body, result=result)
        advice = text(f"out_of_scope.{result.out_reason}")
        return [
            Reply(
                text("out_of_scope.intro") + advice,
                ticket_number=ticket.number,
                action=f"out:{result.out_reason}",
            )
        ]
    if len(body) < MIN_DESCRIPTION:
        return [Reply(text("dialogue.too_short"))]
    location = turn.message.location
    turn.slots.update(
        description=body,
        kind=result.kind,
        category=result.category,
        urgency=result.urgency,
        scope=result.scope,
        confidence=result.confidence,
        location=(location.label if location and location.label else extract_location(body)),
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        phone=_phone_in(body) or known_phone(turn.citizen, secret_key=turn.config.secret_key),
        region=turn.message.region_hint or turn.conversation.region_code,
    )
    replies = await instant_answers.offer(turn, result) or _next_question(turn)
    if might_be_an_emergency(body):
        # The English cues miss emergencies told in ways they do not know: whatever else we
        # ask, say first where to turn if it is one.
        return [Reply(text("emergency.reminder")), *replies]
    return replies


def _phone_in(body: str) -> str | None:
    for match in find_pii(body):
        if match.kind is PiiKind.MOBILE:
            return normalize_mobile(match.value)
    return None


def _needs_location(turn: Turn) -> bool:
    category = CATEGORIES.get(turn.slots.get("category") or "")
    return bool(
        category
        and category.needs_location
        and not turn.slots.get("location")
        and turn.slots.get("latitude") is None
    )


def _next_question(turn: Turn) -> list[Reply]:
    if _needs_location(turn):
        turn.goto(AWAIT_LOCATION)
        return [Reply(text("dialogue.ask_location"))]
    if not turn.slots.get("phone"):
        turn.goto(AWAIT_PHONE)
        return [Reply(text("dialogue.ask_phone"))]
    turn.goto(AWAIT_CONFIRM)
    return [_confirmation(turn)]


def _confirmation(turn: Turn) -> Reply:
    slots = turn.slots
    location = slots.get("location") or _coordinates(slots)
    return Reply(
        text(
            "dialogue.confirm",
            kind=kind_name(slots["kind"]),
            category=category_name(slots.get("category")),
            description=slots["description"],
            location_line=text("dialogue.confirm_location_line", location=location)
            if location
            else "",
            phone=mask_phone(slots["phone"]),
        ),
        buttons=(
            Button(text("dialogue.button_confirm"), "确认"),
            Button(text("dialogue.button_change_kind"), kind_choice.ASK),
            Button(text("dialogue.button_cancel"), "取消"),
        ),
    )


def _coordinates(slots: dict[str, Any]) -> str:
    if slots.get("latitude") is None:
        return ""
    return f"{slots['latitude']:.5f}, {slots['longitude']:.5f}"


async def _answer_location(turn: Turn, body: str) -> list[Reply]:
    if _take_location(turn, body) or len(body) >= 2:
        if not turn.slots.get("location") and turn.slots.get("latitude") is None:
            turn.slots["location"] = body
        return _next_question(turn)
    return [Reply(text("dialogue.ask_location"))]


def _starts_with(body: str, prefix: str) -> bool:
    """``body`` begins with the word ``prefix``: "place 湖东路" does, "Placed near…" does not."""
    if not body.lower().startswith(prefix):
        return False
    following = body[len(prefix) : len(prefix) + 1]
    return not prefix.isascii() or not (following.isascii() and following.isalpha())


def _take_location(turn: Turn, body: str) -> bool:
    location = turn.message.location
    if location is None:
        return False
    turn.slots.update(
        location=location.label or body, latitude=location.latitude, longitude=location.longitude
    )
    return True


async def _answer_phone(turn: Turn, body: str) -> list[Reply]:
    phone = normalize_mobile(body) or _phone_in(body)
    if phone is None:
        return [Reply(text("dialogue.invalid_phone"))]
    turn.slots["phone"] = phone
    return _next_question(turn)


async def _answer_confirm(turn: Turn, body: str) -> list[Reply]:
    if turn.message.media:
        _attach_media(turn)
        if not body:
            return [
                Reply(text("dialogue.media_attached", media=_media_names(turn))),
                _confirmation(turn),
            ]
    if body.rstrip("。.!！ ").lower() in _CONFIRM:
        return await _file(turn)
    if kind_choice.asks_to_change(body):
        return [kind_choice.choices()]
    kind = kind_choice.chosen(body)
    if kind is not None:
        if not kind:
            return [kind_choice.choices()]
        turn.slots["kind"] = kind
        return [_confirmation(turn)]
    if _take_location(turn, body):
        return [_confirmation(turn)]
    for prefix in _LOCATION_PREFIXES:
        if _starts_with(body, prefix) and len(body) > len(prefix) + 1:
            turn.slots["location"] = body[len(prefix) :].lstrip(" ：:是为改成")
            turn.slots["latitude"] = turn.slots["longitude"] = None
            return [_confirmation(turn)]
    phone = normalize_mobile(body)
    if phone is not None:
        turn.slots["phone"] = phone
        return [_confirmation(turn)]
    if len(body) >= 2:
        turn.slots["description"] = f"{turn.slots['description']}（补充：{body}）"
        return [Reply(text("dialogue.supplement_added")), _confirmation(turn)]
    return [Reply(text("dialogue.confirm_reminder"))]


async def _file(turn: Turn) -> list[Reply]:
    slots = turn.slots
    draft = TicketDraft(
        channel=turn.message.channel,
        description=slots["description"],
        kind=slots["kind"],
        category=slots.get("category"),
        scope=slots.get("scope", "in"),
        urgency=slots.get("urgency", "normal"),
        region_code=slots.get("region") or "",
        location=slots.get("location") or "",
        latitude=slots.get("latitude"),
        longitude=slots.get("longitude"),
        contact_phone=slots["phone"],
        attachments=list(slots.get("attachments", [])),
        confidence=float(slots.get("confidence", 0.0)),
    )
    created = await create_ticket(
        draft=draft, citizen=turn.citizen, config=turn.config, now=turn.now, actor=turn.actor
    )
    await remember_phone(
        citizen=turn.citizen, phone=slots["phone"], secret_key=turn.config.secret_key
    )
    turn.reset()
    ticket = created.ticket
    if created.merged_into is not None:
        return [
            Reply(
                text("dialogue.merged", existing=created.merged_into.number, number=ticket.number),
                ticket_number=created.merged_into.number,
            )
        ]
    assert ticket.due_at is not None
    key = "dialogue.created_urgent" if ticket.urgency == "urgent" else "dialogue.created"
    return [
        Reply(
            text(
                key,
                number=ticket.number,
                kind=kind_name(ticket.kind),
                department=await department_name(ticket),
                due=format_due(ticket.due_at),
            ),
            ticket_number=ticket.number,
        )
    ]
