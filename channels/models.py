"""Database models of the channels (Tortoise ORM), part of the single "hotline" app.

Only channel bookkeeping lives here: who may still be messaged, shared access tokens, media
fetched in the background and outbound deliveries. Dialogue state and tickets stay in intake.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from hotline.fields import UtcDatetimeField


class WechatUser(Model):
    """A follower of the official account, as far as messaging them is concerned."""

    id = fields.IntField(primary_key=True)
    openid = fields.CharField(max_length=64, unique=True)
    subscribed = fields.BooleanField(default=True)
    subscribed_at = UtcDatetimeField(null=True)
    unsubscribed_at = UtcDatetimeField(null=True)
    # Customer-service messages are allowed for 48 hours after the user's last interaction.
    last_interaction_at = UtcDatetimeField(null=True)
    qr_scene = fields.CharField(max_length=64, default="")
    region_code = fields.CharField(max_length=8, default="")
    last_latitude = fields.FloatField(null=True)
    last_longitude = fields.FloatField(null=True)
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "wechat_user"


class WechatAccessToken(Model):
    """The access token of one app id, shared by every process."""

    id = fields.IntField(primary_key=True)
    app_id = fields.CharField(max_length=64, unique=True)
    token = fields.TextField(default="")
    expires_at = UtcDatetimeField(null=True)
    updated_at = UtcDatetimeField(auto_now=True)

    class Meta:
        table = "wechat_access_token"


class WechatMedia(Model):
    """A picture or voice message a citizen sent, fetched from WeChat in the background."""

    id = fields.IntField(primary_key=True)
    msg_id = fields.CharField(max_length=64, unique=True)
    openid = fields.CharField(max_length=64)
    media_id = fields.CharField(max_length=255)
    kind = fields.CharField(max_length=16)  # image | audio
    ref = fields.CharField(max_length=255)
    # The media storage backend it was written to (intake.storage), as uploads record it.
    storage = fields.CharField(max_length=8, default="local")
    audio_format = fields.CharField(max_length=16, default="")
    # pending, stored, failed
    status = fields.CharField(max_length=16, default="pending")
    content_type = fields.CharField(max_length=64, default="")
    size = fields.IntField(default=0)
    transcript = fields.TextField(null=True)
    error = fields.CharField(max_length=255, default="")
    created_at = UtcDatetimeField(auto_now_add=True)
    updated_at = UtcDatetimeField(auto_now=True)

    class Meta:
        table = "wechat_media"


class WechatDelivery(Model):
    """One outbound message (customer-service, template or subscribe) and what became of it."""

    id = fields.IntField(primary_key=True)
    # Makes a send idempotent: a retried task finds the row and does not send twice.
    dedup_key = fields.CharField(max_length=191, unique=True)
    openid = fields.CharField(max_length=64, db_index=True)
    kind = fields.CharField(max_length=16)  # text | template | subscribe
    payload: dict[str, Any] = fields.JSONField(default=dict)
    # pending, sending, sent, delivered (template report), failed, blocked
    status = fields.CharField(max_length=16, default="pending")
    # When a sender claimed it: a claim older than a minute is a sender that died.
    claimed_at = UtcDatetimeField(null=True)
    wx_msgid = fields.BigIntField(null=True, db_index=True)
    error_code = fields.IntField(null=True)
    error_message = fields.CharField(max_length=255, default="")
    attempts = fields.IntField(default=0)
    created_at = UtcDatetimeField(auto_now_add=True)
    updated_at = UtcDatetimeField(auto_now=True)

    class Meta:
        table = "wechat_delivery"
