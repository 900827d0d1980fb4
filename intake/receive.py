"""The single entry point of every channel: ``receive(message)``.

Idempotent on ``(channel, external_id)``: the dedup row is inserted in the same transaction as the
message's effects, so a message counts as handled exactly when its effects are committed. A repeat
(a WeChat retry, a redelivered update) finds the row and gets the stored replies, nothing else.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from intake.citizens import citizen_for
from intake.config import IntakeConfig
from intake.dialogue import Turn, converse
from intake.messages import IntakeMessage, ReceiveResult, Reply
from intake.models import Conversation, InboundMessage


class _Duplicate(Exception):
    pass


async def receive(
    message: IntakeMessage, *, config: IntakeConfig, now: datetime | None = None
) -> ReceiveResult:
    """Handle one inbound message and return what to answer."""
    moment = now or message.received_at or datetime.now(UTC)
    citizen = await citizen_for(channel=message.channel, external_id=message.sender)
    await _ensure_conversation(message)
    try:
        async with in_transaction():
            try:
                record = await InboundMessage.create(
                    channel=message.channel,
                    external_id=message.external_id,
                    sender=message.sender,
                    text=message.text,
                )
            except IntegrityError as exc:
                raise _Duplicate from exc
            conversation = await _conversation_for(message)
            turn = Turn(
                message=message,
                conversation=conversation,
                citizen=citizen,
                config=config,
                now=moment,
            )
            replies = await converse(turn)
            if conversation.citizen_id is None:  # type: ignore[attr-defined]
                conversation.citizen = citizen
            await conversation.save()
            record.result = {"replies": [reply.to_dict() for reply in replies]}
            await record.save(update_fields=["result"])
    except _Duplicate:
        return await _stored(message)
    return ReceiveResult(replies=replies)


async def _ensure_conversation(message: IntakeMessage) -> None:
    if await Conversation.exists(channel=message.channel, sender=message.sender):
        return
    # A concurrent first message of the same sender may create it first: that is fine.
    with contextlib.suppress(IntegrityError):
        await Conversation.create(
            channel=message.channel, sender=message.sender, region_code=message.region_hint
        )


async def _conversation_for(message: IntakeMessage) -> Conversation:
    # Locked for the transaction: two messages of one sender are handled one after the other.
    conversation = await Conversation.select_for_update().get(
        channel=message.channel, sender=message.sender
    )
    if message.region_hint and not conversation.region_code:
        conversation.region_code = message.region_hint
    return conversation


async def _stored(message: IntakeMessage) -> ReceiveResult:
    record = await InboundMessage.get(channel=message.channel, external_id=message.external_id)
    replies = [Reply.from_dict(item) for item in record.result.get("replies", [])]
    return ReceiveResult(replies=replies, duplicate=True)
