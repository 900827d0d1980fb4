"""Database models of the intake domain (Tortoise ORM).

Personal data: a contact phone is kept encrypted (authorised use), as a keyed digest (lookup) and
as its last four digits (self-service progress lookup); views show it masked.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from hotline.fields import UtcDatetimeField


class Region(Model):
    """The province, its 9 cities and Pingtan. ``code`` prefixes ticket numbers."""

    code = fields.CharField(max_length=8, primary_key=True)
    name = fields.CharField(max_length=64)
    level = fields.CharField(max_length=16)  # province | city
    parent: fields.ForeignKeyNullableRelation[Region] = fields.ForeignKeyField(
        "hotline.Region", related_name="children", null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "region"


class Department(Model):
    """A 联动单位: linked unit, sub-centre (分中心) or dual-number line (双号并行)."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=128)
    region: fields.ForeignKeyRelation[Region] = fields.ForeignKeyField(
        "hotline.Region", related_name="departments", on_delete=fields.RESTRICT
    )
    mode = fields.CharField(max_length=16, default="linked")
    phone = fields.CharField(max_length=32, default="")
    active = fields.BooleanField(default=True)

    class Meta:
        table = "department"


class RoutingRule(Model):
    """Which department handles a category in a region."""

    id = fields.IntField(primary_key=True)
    region: fields.ForeignKeyRelation[Region] = fields.ForeignKeyField(
        "hotline.Region", related_name="routing_rules", on_delete=fields.CASCADE
    )
    category = fields.CharField(max_length=64)
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "hotline.Department", related_name="routing_rules", on_delete=fields.CASCADE
    )

    class Meta:
        table = "routing_rule"
        unique_together = (("region", "category"),)


class Citizen(Model):
    """One person, whichever channels they use."""

    id = fields.IntField(primary_key=True)
    phone_digest = fields.CharField(max_length=64, null=True, db_index=True)
    phone_encrypted = fields.TextField(null=True)
    phone_masked = fields.CharField(max_length=16, default="")
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "citizen"


class ChannelIdentity(Model):
    """A citizen's id on one channel (WeChat openid, Telegram user id, app account...)."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=32)
    external_id = fields.CharField(max_length=128)
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "hotline.Citizen", related_name="identities", on_delete=fields.CASCADE
    )
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "channel_identity"
        unique_together = (("channel", "external_id"),)


class Ticket(Model):
    """A 工单. ``status`` only changes through ``intake.workflow``."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    channel = fields.CharField(max_length=32)
    citizen: fields.ForeignKeyNullableRelation[Citizen] = fields.ForeignKeyField(
        "hotline.Citizen", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    region: fields.ForeignKeyRelation[Region] = fields.ForeignKeyField(
        "hotline.Region", related_name="tickets", on_delete=fields.RESTRICT
    )
    scope = fields.CharField(max_length=32, default="in")
    kind = fields.CharField(max_length=16)
    category = fields.CharField(max_length=64, null=True)
    urgency = fields.CharField(max_length=16, default="normal")
    description = fields.TextField()
    location = fields.CharField(max_length=255, default="")
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    attachments: list[dict[str, Any]] = fields.JSONField(default=list)
    contact_phone_encrypted = fields.TextField(null=True)
    contact_phone_masked = fields.CharField(max_length=16, default="")
    contact_phone_tail = fields.CharField(max_length=4, default="", db_index=True)
    status = fields.CharField(max_length=24, db_index=True)
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "hotline.Department", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    due_at = UtcDatetimeField(null=True, db_index=True)
    due_is_estimate = fields.BooleanField(default=False)
    deadline_warned = fields.BooleanField(default=False)
    supervised = fields.BooleanField(default=False)
    extension_requested_days = fields.IntField(null=True)
    reply_text = fields.TextField(default="")
    satisfaction = fields.CharField(max_length=24, null=True)
    merged_into: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "hotline.Ticket", related_name="merged_repeats", null=True, on_delete=fields.SET_NULL
    )
    triage_confidence = fields.FloatField(default=0.0)
    # The catalogue language the citizen filed in: notifications and surveys are written in it.
    language = fields.CharField(max_length=16, default="zh-CN")
    created_at = UtcDatetimeField(auto_now_add=True, db_index=True)
    updated_at = UtcDatetimeField(auto_now=True)
    closed_at = UtcDatetimeField(null=True)

    class Meta:
        table = "ticket"


class TicketEvent(Model):
    """Append-only history of a ticket: the audit trail and the timeline a citizen reads."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "hotline.Ticket", related_name="events", on_delete=fields.CASCADE
    )
    action = fields.CharField(max_length=32)
    from_status = fields.CharField(max_length=24, null=True)
    to_status = fields.CharField(max_length=24, null=True)
    actor_type = fields.CharField(max_length=16)  # citizen | staff | department | system
    actor_id = fields.CharField(max_length=64, default="")
    public_note = fields.TextField(default="")  # what the citizen may read
    internal_note = fields.TextField(default="")  # never shown to the citizen
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "ticket_event"
        ordering = ["id"]


class TicketSequence(Model):
    """The last number handed out per region and day, bumped atomically in SQL."""

    id = fields.IntField(primary_key=True)
    region_code = fields.CharField(max_length=8)
    day = fields.CharField(max_length=8)
    last_value = fields.IntField(default=0)

    class Meta:
        table = "ticket_sequence"
        unique_together = (("region_code", "day"),)


class RateCounter(Model):
    """Hits per key and time window, for limits shared by every API process."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=128)
    window_start = fields.BigIntField()
    last_value = fields.IntField(default=0)

    class Meta:
        table = "rate_counter"
        unique_together = (("key", "window_start"),)


class Conversation(Model):
    """Dialogue state per (channel, sender), with an expiry."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=32)
    sender = fields.CharField(max_length=128)
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "hotline.Citizen", related_name="conversations", on_delete=fields.CASCADE
    )
    step = fields.CharField(max_length=24, default="idle")
    slots: dict[str, Any] = fields.JSONField(default=dict)
    handoff = fields.BooleanField(default=False)
    # Set by another package that asked this citizen something ("survey:12"): their next idle
    # reply goes to that package's responder (see intake.dialogue.add_responder).
    awaiting = fields.CharField(max_length=64, default="")
    region_code = fields.CharField(max_length=8, default="")
    expires_at = UtcDatetimeField(null=True)
    updated_at = UtcDatetimeField(auto_now=True)

    class Meta:
        table = "conversation"
        unique_together = (("channel", "sender"),)


class InboundMessage(Model):
    """Dedup log: one row per (channel, external_id), holding the answer that was given."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=32)
    external_id = fields.CharField(max_length=128)
    sender = fields.CharField(max_length=128, default="")
    text = fields.TextField(default="")
    result: dict[str, Any] = fields.JSONField(default=dict)
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "inbound_message"
        unique_together = (("channel", "external_id"),)


class StaffUser(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=64, default="")
    password_hash = fields.CharField(max_length=255)
    role = fields.CharField(max_length=16, default="operator")
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "hotline.Department", related_name="staff", null=True, on_delete=fields.SET_NULL
    )
    active = fields.BooleanField(default=True)
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_user"


class StaffToken(Model):
    id = fields.IntField(primary_key=True)
    token_digest = fields.CharField(max_length=64, unique=True)
    staff: fields.ForeignKeyRelation[StaffUser] = fields.ForeignKeyField(
        "hotline.StaffUser", related_name="tokens", on_delete=fields.CASCADE
    )
    expires_at = UtcDatetimeField()
    revoked = fields.BooleanField(default=False)

    class Meta:
        table = "staff_token"


class AuditLog(Model):
    """Every read of personal data by staff, and other sensitive staff actions."""

    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "hotline.StaffUser", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=64)
    target = fields.CharField(max_length=128)
    detail: dict[str, Any] = fields.JSONField(default=dict)
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_log"
