"""Database models of the mobile backend: citizen sessions, sign-in codes, ticket links, uploads
and subscribe-message grants (Tortoise ORM, part of the single "hotline" app).

Secrets (tokens, codes) are stored only as digests: a database dump lets nobody sign in or open a
ticket link.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from hotline.fields import UtcDatetimeField
from intake.models import ChannelIdentity, Citizen, Ticket


class CitizenSession(Model):
    """One signed-in device: a short-lived access token and a refresh token rotated on use.

    ``previous_refresh_digest`` is the refresh token the last rotation replaced: seeing it again
    means it was copied, so the whole session is revoked.
    """

    id = fields.IntField(primary_key=True)
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "hotline.Citizen", related_name="sessions", on_delete=fields.CASCADE
    )
    identity: fields.ForeignKeyNullableRelation[ChannelIdentity] = fields.ForeignKeyField(
        "hotline.ChannelIdentity", related_name="sessions", null=True, on_delete=fields.SET_NULL
    )
    channel = fields.CharField(max_length=32)  # miniprogram | app
    access_digest = fields.CharField(max_length=64, unique=True)
    access_expires_at = UtcDatetimeField()
    refresh_digest = fields.CharField(max_length=64, unique=True)
    previous_refresh_digest = fields.CharField(max_length=64, null=True, db_index=True)
    refresh_expires_at = UtcDatetimeField()
    revoked_at = UtcDatetimeField(null=True)
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "citizen_session"


class SmsCode(Model):
    """A one-time sign-in code sent to a phone: expires, single use, few wrong tries."""

    id = fields.IntField(primary_key=True)
    phone_digest = fields.CharField(max_length=64, db_index=True)
    code_digest = fields.CharField(max_length=64)
    expires_at = UtcDatetimeField()
    attempts = fields.IntField(default=0)
    used_at = UtcDatetimeField(null=True)
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "sms_code"


class TicketLink(Model):
    """A read-only link ``/t/<token>`` to one ticket, for notifications. Only the digest of the
    random token is kept."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "hotline.Ticket", related_name="links", on_delete=fields.CASCADE
    )
    token_digest = fields.CharField(max_length=64, unique=True)
    expires_at = UtcDatetimeField()
    revoked_at = UtcDatetimeField(null=True)
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "ticket_link"


class MediaUpload(Model):
    """A picture or recording a signed-in citizen uploaded, and the ticket it went with."""

    id = fields.IntField(primary_key=True)
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "hotline.Citizen", related_name="uploads", on_delete=fields.CASCADE
    )
    ref = fields.CharField(max_length=255, unique=True)
    storage = fields.CharField(max_length=16)  # local | s3
    kind = fields.CharField(max_length=16)  # image | audio
    content_type = fields.CharField(max_length=64)
    size = fields.IntField()
    duration_ms = fields.IntField(null=True)
    sha256 = fields.CharField(max_length=64)
    ticket: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "hotline.Ticket", related_name="uploads", null=True, on_delete=fields.SET_NULL
    )
    # Audio on a ticket waits here for speech recognition: "" (not asked), pending, done, failed.
    transcript_status = fields.CharField(max_length=16, default="", db_index=True)
    transcript = fields.TextField(null=True)
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "media_upload"


class NotificationGrant(Model):
    """Mini-program subscribe-message consent: how many more messages of one template a user
    allowed (each "accept" allows one)."""

    id = fields.IntField(primary_key=True)
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "hotline.Citizen", related_name="notification_grants", on_delete=fields.CASCADE
    )
    openid = fields.CharField(max_length=128)
    template_id = fields.CharField(max_length=128)
    remaining = fields.IntField(default=0)
    last_result = fields.CharField(max_length=16, default="")  # accept | reject | ban
    updated_at = UtcDatetimeField(auto_now=True)

    class Meta:
        table = "notification_grant"
        unique_together = (("openid", "template_id"),)
