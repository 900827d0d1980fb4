"""Database models of the Telegram channel (Tortoise ORM), part of the single "hotline" app.

Channel bookkeeping only: the raw updates (the durable queue between the webhook and the
worker), the chats we talk to, media fetched in the background and outbound deliveries.
Dialogue state and tickets stay in intake.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from hotline.fields import UtcDatetimeField

PENDING, DONE, FAILED = "pending", "done", "failed"


class TelegramUpdate(Model):
    """One update as Telegram sent it, stored before the webhook answers 200.

    The worker processes it by id; the sweep re-enqueues any left pending, so an update the
    webhook accepted is never lost even if a process dies between the answer and the work.
    """

    id = fields.IntField(primary_key=True)
    update_id = fields.BigIntField(unique=True)
    # The private chat it belongs to, when it has one: a chat's updates are handled in order.
    chat_id = fields.BigIntField(null=True, db_index=True)
    payload: dict[str, Any] = fields.JSONField()
    # pending, done (handled or nothing to handle), failed (gave up after max attempts)
    status = fields.CharField(max_length=16, default=PENDING, db_index=True)
    attempts = fields.IntField(default=0)
    error = fields.CharField(max_length=255, default="")
    # When it was last handed to the broker: the sweep re-enqueues only stale ones.
    enqueued_at = UtcDatetimeField(null=True)
    created_at = UtcDatetimeField(auto_now_add=True)
    processed_at = UtcDatetimeField(null=True)

    class Meta:
        table = "telegram_update"


class TelegramChat(Model):
    """A private chat with a citizen: their language, region and whether they blocked us."""

    id = fields.IntField(primary_key=True)
    chat_id = fields.BigIntField(unique=True)
    language_code = fields.CharField(max_length=16, default="")
    # Set by a deep link (t.me/<bot>?start=XM) from a regional poster or web page.
    region_code = fields.CharField(max_length=8, default="")
    blocked = fields.BooleanField(default=False)
    last_seen_at = UtcDatetimeField(null=True)
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "telegram_chat"


class TelegramMedia(Model):
    """A photo or voice note a citizen sent, fetched by getFile in the background."""

    id = fields.IntField(primary_key=True)
    update_id = fields.BigIntField(unique=True)
    chat_id = fields.BigIntField()
    file_id = fields.CharField(max_length=255)
    kind = fields.CharField(max_length=16)  # image | audio
    ref = fields.CharField(max_length=255)
    # The media storage backend it was written to (intake.storage), as uploads record it, so
    # a file kept before a switch of HOTLINE_MEDIA_STORAGE is still found.
    storage = fields.CharField(max_length=8, default="local")
    # pending, stored, failed
    status = fields.CharField(max_length=16, default=PENDING, db_index=True)
    content_type = fields.CharField(max_length=64, default="")
    size = fields.IntField(default=0)
    error = fields.CharField(max_length=255, default="")
    enqueued_at = UtcDatetimeField(null=True)
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "telegram_media"


class TelegramDelivery(Model):
    """One outbound message and what became of it."""

    id = fields.IntField(primary_key=True)
    # Makes a send idempotent: a task that runs twice finds the row and does not send twice.
    dedup_key = fields.CharField(max_length=191, unique=True)
    chat_id = fields.BigIntField(db_index=True)
    payload: dict[str, Any] = fields.JSONField(default=dict)
    # pending, sending, sent, failed, blocked
    status = fields.CharField(max_length=16, default=PENDING)
    # When a sender claimed it: a claim older than a minute is a sender that died.
    claimed_at = UtcDatetimeField(null=True)
    message_id = fields.BigIntField(null=True)
    error = fields.CharField(max_length=255, default="")
    attempts = fields.IntField(default=0)
    created_at = UtcDatetimeField(auto_now_add=True)
    updated_at = UtcDatetimeField(auto_now=True)

    class Meta:
        table = "telegram_delivery"
