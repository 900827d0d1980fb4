"""What a verified push does: bookkeeping events here, everything a citizen says to intake.

The webhook must answer within WeChat's 5 seconds, so nothing here calls WeChat, downloads or
transcribes: media and voice go to the worker, and a conversation turn that does not finish
within the reply budget is answered later by customer-service message (the webhook says
``success``). Every step is safe to repeat, because WeChat repeats pushes it got no answer to.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from channels.jobs import Jobs
from channels.models import WechatMedia
from channels.wechat_oa import outbound, users
from channels.wechat_oa.config import WechatConfig
from channels.wechat_oa.menu import MENU_COMMANDS
from channels.wechat_oa.pushes import (
    ClickEvent,
    Event,
    ImageMessage,
    LinkMessage,
    LocationEvent,
    LocationMessage,
    Push,
    ScanEvent,
    SubscribeEvent,
    SubscribeScanEvent,
    TemplateSendJobFinishEvent,
    TextMessage,
    UnsubscribeEvent,
    VoiceMessage,
)
from channels.wechat_oa.render import fits_passive, joined_text
from channels.wechat_oa.wire import CHANNEL, message_to_dict
from intake.catalogue import text
from intake.config import IntakeConfig
from intake.messages import IntakeMessage, Location, Media, ReceiveResult, Reply
from intake.receive import receive

logger = logging.getLogger(__name__)

AUDIO_TYPES = {"amr": "audio/amr", "speex": "audio/speex", "mp3": "audio/mpeg"}
# Turns still running after the webhook answered; kept so they are not garbage-collected.
_running: set[asyncio.Task[ReceiveResult]] = set()


@dataclass(frozen=True)
class Inbound:
    """What handling a push needs, passed explicitly."""

    intake: IntakeConfig
    wechat: WechatConfig
    jobs: Jobs
    # time.monotonic() by which the replies must be ready
    deadline: float


async def handle(push: Push, deps: Inbound) -> list[Reply]:
    """The replies to give passively (none: answer ``success``)."""
    at = datetime.fromtimestamp(push.time, UTC)
    if isinstance(push, Event):
        return await _event(push, deps, at)
    region = await users.touch(openid=push.source, at=at)
    if isinstance(push, TextMessage):
        return await _converse(_message(push, at, region, text=push.content), deps)
    if isinstance(push, LocationMessage):
        # Clipped to what a ticket's location holds (a signed push is still input).
        place = Location(push.latitude, push.longitude, push.label[:255])
        return await _converse(_message(push, at, region, location=place), deps)
    if isinstance(push, LinkMessage):
        shared = text(
            "wechat.link_received", title=push.title, description=push.description, url=push.url
        )
        return await _converse(_message(push, at, region, text=shared.strip()), deps)
    if isinstance(push, ImageMessage):
        media = await _fetched(push, push.media_id, "image", "image/jpeg", deps)
        return await _converse(_message(push, at, region, media=(media,)), deps)
    if isinstance(push, VoiceMessage):
        return await _voice(push, at, region, deps)
    return [Reply(text("wechat.unsupported"))]


def _message(
    push: Push,
    at: datetime,
    region: str,
    *,
    text: str = "",
    location: Location | None = None,
    media: tuple[Media, ...] = (),
) -> IntakeMessage:
    return IntakeMessage(
        channel=CHANNEL,
        sender=push.source,
        external_id=push.dedup_key,
        text=text,
        media=media,
        location=location,
        received_at=at,
        region_hint=region,
    )


async def _event(push: Event, deps: Inbound, at: datetime) -> list[Reply]:
    if isinstance(push, UnsubscribeEvent):
        await users.unsubscribe(openid=push.source, at=at)
        return []
    if isinstance(push, TemplateSendJobFinishEvent):
        await outbound.record_template_report(msgid=push.id, status=push.status)
        return []
    if isinstance(push, LocationEvent):
        await users.record_location(
            openid=push.source, latitude=push.latitude, longitude=push.longitude
        )
        return []
    if isinstance(push, SubscribeEvent | SubscribeScanEvent):
        scene = push.scene_id if isinstance(push, SubscribeScanEvent) else ""
        region = deps.wechat.scene_regions.get(scene, "")
        await users.subscribe(openid=push.source, at=at, scene=scene, region=region)
        return [Reply(text("wechat.welcome"))]
    if isinstance(push, ScanEvent):  # a follower scanned a poster: note where they are from
        region = deps.wechat.scene_regions.get(push.scene_id, "")
        await users.scanned(openid=push.source, at=at, scene=push.scene_id, region=region)
        return [Reply(text("wechat.welcome"))]
    if isinstance(push, ClickEvent):
        region = await users.touch(openid=push.source, at=at)
        command = MENU_COMMANDS.get(push.key)
        if command is None:
            return [Reply(text("wechat.unknown_menu"))]
        return await _converse(_message(push, at, region, text=command), deps)
    return []  # VIEW and events we do not know: nothing to say (WeChat shows nothing anyway)


async def _media_row(push: Push, media_id: str, kind: str, mime: str) -> WechatMedia:
    row, _ = await WechatMedia.get_or_create(
        msg_id=push.dedup_key,
        defaults={
            "openid": push.source,
            "media_id": media_id[:255],
            "kind": kind,
            "ref": f"wechat/{push.dedup_key}",
            "content_type": mime,
            "audio_format": push.raw.get("Format", "")[:16],
        },
    )
    return row


async def _fetched(push: Push, media_id: str, kind: str, mime: str, deps: Inbound) -> Media:
    """The media as the request will carry it; the worker fetches it while it is pending.

    A retried push may enqueue the fetch again: the task skips media already stored.
    """
    row = await _media_row(push, media_id, kind, mime)
    if row.status == "pending":
        await deps.jobs.enqueue("wechat.fetch_media", media_row_id=row.id)
    return Media(kind=kind, ref=row.ref, mime_type=mime)


async def _voice(push: VoiceMessage, at: datetime, region: str, deps: Inbound) -> list[Reply]:
    mime = AUDIO_TYPES.get(push.format.lower(), "application/octet-stream")
    if push.recognition:
        # WeChat already transcribed it; the recording is still kept with the request.
        media = await _fetched(push, push.media_id, "audio", mime, deps)
        spoken = _message(push, at, region, text=push.recognition, media=(media,))
        return await _converse(spoken, deps)
    row = await _media_row(push, push.media_id, "audio", mime)
    if row.transcript is None:
        await deps.jobs.enqueue("wechat.transcribe_voice", media_row_id=row.id)
    return [Reply(text("wechat.voice_received"))]


async def _converse(message: IntakeMessage, deps: Inbound) -> list[Reply]:
    """One conversation turn, within the reply budget; else ``success`` now, replies later."""
    turn = asyncio.create_task(receive(message, config=deps.intake))
    # Held until done: a turn outlives its request when the budget runs out (or WeChat hangs
    # up), and asyncio keeps only weak references to tasks.
    _running.add(turn)
    turn.add_done_callback(_finished)
    remaining = deps.deadline - time.monotonic()
    try:
        result = await asyncio.wait_for(asyncio.shield(turn), timeout=max(remaining, 0.0))
    except TimeoutError:
        # The turn goes on here; the worker also runs it (a duplicate then, by the dedup row)
        # and sends its replies, so they arrive even if this process dies first.
        logger.warning("wechat reply over budget; deferring %s", message.external_id)
        await deps.jobs.enqueue("wechat.reply_later", message=message_to_dict(message))
        return []
    if not fits_passive(joined_text(result.replies)):
        await deps.jobs.enqueue("wechat.reply_later", message=message_to_dict(message))
        return []
    return result.replies


def _finished(turn: asyncio.Task[ReceiveResult]) -> None:
    _running.discard(turn)
    if not turn.cancelled() and turn.exception() is not None:
        logger.error("wechat conversation turn failed", exc_info=turn.exception())
