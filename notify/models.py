"""The outbox (one row per message to a citizen) and callback surveys."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from hotline.fields import UtcDatetimeField


class Notification(Model):
    """One message to a citizen, written in the transaction of the change that causes it.

    Delivered by a Celery task that claims the row first, so a redelivered task never sends
    twice; what no channel could deliver ends ``undeliverable`` and is shown to staff.
    """

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "hotline.Ticket", related_name="notifications", on_delete=fields.CASCADE
    )
    ticket_id: int
    purpose = fields.CharField(max_length=24)
    survey_id: int | None
    survey: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "hotline.Survey", related_name="notifications", null=True, on_delete=fields.SET_NULL
    )
    dedup_key = fields.CharField(max_length=128, unique=True)
    text = fields.TextField()
    link = fields.CharField(max_length=255, default="")
    buttons: list[dict[str, str]] = fields.JSONField(default=list)
    urgent = fields.BooleanField(default=False)
    # pending → sending → sent | undeliverable; "uncertain" when a sender died mid-call
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    channel = fields.CharField(max_length=32, default="")
    tried: list[dict[str, Any]] = fields.JSONField(default=list)
    attempts = fields.IntField(default=0)
    not_before = UtcDatetimeField(null=True, db_index=True)
    claimed_at = UtcDatetimeField(null=True)
    last_error = fields.CharField(max_length=255, default="")
    created_at = UtcDatetimeField(auto_now_add=True)
    sent_at = UtcDatetimeField(null=True)

    class Meta:
        table = "notification"


class Survey(Model):
    """The callback survey (回访) of one closure of a ticket: a re-closed ticket gets another."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "hotline.Ticket", related_name="surveys", on_delete=fields.CASCADE
    )
    ticket_id: int
    closure_no = fields.IntField()
    # scheduled → sent → answered | no_response
    status = fields.CharField(max_length=16, default="scheduled", db_index=True)
    channel = fields.CharField(max_length=32, default="")
    # which question the citizen is answering: resolved → satisfaction → comment
    stage = fields.CharField(max_length=16, default="resolved")
    send_at = UtcDatetimeField(db_index=True)
    sent_at = UtcDatetimeField(null=True)
    next_reminder_at = UtcDatetimeField(null=True)
    reminders_sent = fields.IntField(default=0)
    expires_at = UtcDatetimeField(null=True)
    clarifications = fields.IntField(default=0)
    resolved = fields.BooleanField(null=True)
    satisfaction = fields.CharField(max_length=24, null=True)
    comment = fields.TextField(default="")
    answered_at = UtcDatetimeField(null=True)

    class Meta:
        table = "survey"
        unique_together = (("ticket", "closure_no"),)
        # The survey round takes the oldest due rows of one status, in sets: with these the
        # database reads just those rows instead of sorting every row of that status per set.
        indexes = (("status", "send_at"), ("status", "next_reminder_at"), ("status", "expires_at"))
