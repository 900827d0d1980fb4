"""The channel's slow work, run by the worker (``tasks``) with explicit dependencies.

Each function takes ids, reloads, and is safe to run twice: media already stored is not fetched
again, ``receive`` answers a repeat with the stored replies, and each reply is a delivery row
sent once.
"""

from __future__ import annotations

import logging

from channels import media as media_store
from channels.models import WechatMedia, WechatUser
from channels.wechat_oa.client import WechatApi
from channels.wechat_oa.errors import PermanentWechatError
from channels.wechat_oa.outbound import WechatSender
from channels.wechat_oa.transcribe import Transcriber, TranscriptionFailed
from channels.wechat_oa.wire import CHANNEL, message_from_dict
from hotline.settings import Settings
from intake.catalogue import text
from intake.config import IntakeConfig
from intake.messages import IntakeMessage, Media, Reply
from intake.receive import receive

logger = logging.getLogger(__name__)


class MediaGone(LookupError):
    """The media row a task was given no longer exists."""


async def fetch_media(*, media_row_id: int, api: WechatApi, settings: Settings) -> WechatMedia:
    """Download a picture or recording into media storage (retriable errors propagate)."""
    row = await WechatMedia.get_or_none(id=media_row_id)
    if row is None:
        raise MediaGone(media_row_id)
    if row.status != "pending":
        return row
    try:
        downloaded = await api.download_media(row.media_id)
        row.content_type, row.storage = await media_store.keep(
            settings, ref=row.ref, kind=row.kind, data=downloaded.content
        )
        row.size, row.status = len(downloaded.content), "stored"
    except (PermanentWechatError, media_store.MediaRejected) as exc:
        # WeChat keeps media 3 days and refuses unknown ids: nothing to retry. The request
        # still names the ref; staff see the attachment as missing.
        logger.warning("wechat media %s not stored: %s", row.msg_id, exc)
        row.status, row.error = "failed", str(exc)[:255]
    await row.save(update_fields=["status", "content_type", "storage", "size", "error"])
    return row


async def transcribe_voice(
    *,
    media_row_id: int,
    api: WechatApi,
    sender: WechatSender,
    transcriber: Transcriber,
    settings: Settings,
    intake: IntakeConfig,
) -> None:
    """Fetch a voice message, transcribe it, continue the conversation by customer service."""
    row = await fetch_media(media_row_id=media_row_id, api=api, settings=settings)
    if row.transcript is None:
        row.transcript = await _transcript(row, transcriber, settings)
        await row.save(update_fields=["transcript"])
    stored = row.status == "stored"
    if not row.transcript and not stored:
        await _send_all(
            sender, row.openid, f"voice:{row.msg_id}", [Reply(text("wechat.voice_failed"))]
        )
        return
    user = await WechatUser.get_or_none(openid=row.openid)
    # Without a transcript the recording still reaches the conversation, which then asks the
    # citizen to describe the problem in words.
    message = IntakeMessage(
        channel=CHANNEL,
        sender=row.openid,
        external_id=row.msg_id,
        text=row.transcript,
        media=(Media("audio", row.ref, row.content_type),) if stored else (),
        received_at=row.created_at,
        region_hint=user.region_code if user else "",
    )
    result = await receive(message, config=intake)
    await _send_all(sender, row.openid, f"reply:{row.msg_id}", result.replies)


async def _transcript(row: WechatMedia, transcriber: Transcriber, settings: Settings) -> str:
    if row.status != "stored":
        return ""
    audio = await media_store.load(settings, ref=row.ref, storage=row.storage)
    try:
        return (await transcriber.transcribe(audio, audio_format=row.audio_format)).strip()
    except TranscriptionFailed as exc:
        logger.info("voice %s not transcribed: %s", row.msg_id, exc)
        return ""


async def reply_later(
    *, message: dict[str, object], sender: WechatSender, intake: IntakeConfig
) -> None:
    """A turn the webhook answered with ``success``: run it (or find it run) and send replies."""
    intake_message = message_from_dict(message)
    result = await receive(intake_message, config=intake)
    key = f"reply:{intake_message.external_id}"
    await _send_all(sender, intake_message.sender, key, result.replies)


async def _send_all(sender: WechatSender, openid: str, key: str, replies: list[Reply]) -> None:
    for index, reply in enumerate(replies):
        try:
            await sender.send_reply(openid=openid, reply=reply, dedup_key=f"{key}:{index}")
        except PermanentWechatError as exc:
            # Recorded on the delivery row; the citizen left or the window closed, and trying
            # the next reply would fail the same way.
            logger.warning("wechat reply to a citizen not delivered: %s", exc)
            return
