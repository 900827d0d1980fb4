"""The single entry point of every channel: ``receive(message)``.

Idempotent on ``(channel, external_id)``: the dedup row is inserted in the same transaction as the
message's effects, so a message counts as handled exactly when its effects are committed. A repeat
(a WeChat retry, a redelivered update) finds the row and gets the stored replies, nothing else.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from intake.catalogue import catalogue_language, speaking
from intake.config import IntakeConfig
from intake.dialogue import Turn, converse
from intake.events import unit_of_work
from intake.messages import IntakeMessage, ReceiveResult, Reply
from intake.models import ChannelIdentity, Citizen, Conversation, InboundMessage


class _Duplicate(Exception):
    pass


class _FirstContactRace(Exception):
    """Two first messages of one sender raced to create the conversation; retry once."""


async def receive(
    message: IntakeMessage, *, config: IntakeConfig, now: datetime | None = None
) -> ReceiveResult:
    """Handle one inbound message and return what to answer."""
    moment = now or message.received_at or datetime.now(UTC)
    with speaking(catalogue_language(message.language)):
        try:
            return await _receive_once(message, config, moment)
        except _Duplicate:
            return await _stored(message)
        except _FirstContactRace:
            try:
                return await _receive_once(message, config, moment)
            except _Duplicate:
                return await _stored(message)


async def _receive_once(
    message: IntakeMessage, config: IntakeConfig, moment: datetime
) -> ReceiveResult:
    async with unit_of_work():
        # Locked for the transaction: two messages of one sender are handled one after the other.
        conversation = (
            await Conversation.select_for_update(of=("conversation",))
            .select_related("citizen")
            .get_or_none(channel=message.channel, sender=message.sender)
        )
        if conversation is None:
            conversation = await _first_contact(message)
        elif message.region_hint and not conversation.region_code:
            conversation.region_code = message.region_hint
        turn = Turn(
            message=message,
            conversation=conversation,
            citizen=conversation.citizen,
            config=config,
            now=moment,
        )
        replies = await converse(turn)
        await conversation.save()
        # The dedup row goes in last, with the answer: if the same message is being handled
        # concurrently, the loser fails here and its whole transaction (tickets included) rolls
        # back. Both waited on the conversation lock above, so they never interleave.
        try:
            await InboundMessage.create(
                channel=message.channel,
                external_id=message.external_id,
                sender=message.sender,
                text=message.text,
                result={"replies": [reply.to_dict() for reply in replies]},
            )
        except IntegrityError as exc:
            raise _Duplicate from exc
    return ReceiveResult(replies=replies)


async def _first_contact(message: IntakeMessage) -> Conversation:
    """The conversation of a sender never seen on this channel (their citizen may exist)."""
    identity = await ChannelIdentity.get_or_none(
        channel=message.channel, external_id=message.sender
    ).select_related("citizen")
    try:
        if identity is None:
            citizen = await Citizen.create()
            await ChannelIdentity.create(
                channel=message.channel, external_id=message.sender, citizen=citizen
            )
        else:
            citizen = identity.citizen
        return await Conversation.create(
            channel=message.channel,
            sender=message.sender,
            citizen=citizen,
            region_code=message.region_hint,
        )
    except IntegrityError as exc:
        raise _FirstContactRace from exc


async def _stored(message: IntakeMessage) -> ReceiveResult:
    record = await InboundMessage.get(channel=message.channel, external_id=message.external_id)
    replies = [Reply.from_dict(item) for item in record.result.get("replies", [])]
    return ReceiveResult(replies=replies, duplicate=True)
