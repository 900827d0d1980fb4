"""Database models of speech in and out (Tortoise ORM), part of the single "hotline" app.

Recordings citizens send on any channel and their transcripts, phone-call recordings with the
draft ticket an operator confirms, call records for the answer-rate KPI, and outbound voice
call tasks (survey calls) for the call-centre platform. Phones are stored as tickets store
them: encrypted, with a masked copy for lists.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from hotline.fields import UtcDatetimeField


class VoiceTranscript(Model):
    """One recording a citizen sent on a chat channel, and what was heard in it."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=32)
    sender = fields.CharField(max_length=128)
    external_id = fields.CharField(max_length=128)
    storage = fields.CharField(max_length=16, default="local")
    ref = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=32, default="")
    region_hint = fields.CharField(max_length=8, default="")
    # The sender's language as their client reports it ("en-US", "zh-hans"): the transcribed
    # turn is received, and answered, in that language's catalogue.
    language = fields.CharField(max_length=16, default="zh-CN")
    # The channel's task that sends the replies once the words went through ``receive``.
    reply_task = fields.CharField(max_length=128, default="")
    # Set by the reply task once the channel took the replies (sent, or refused for good);
    # ``voice.sweep`` queues the reply task again for a transcribed row left without it.
    replied_at = UtcDatetimeField(null=True)
    # pending, done (transcript may be empty: silence), failed (audio refused, engine missing)
    status = fields.CharField(max_length=16, default="pending")
    transcript = fields.TextField(null=True)
    confidence = fields.FloatField(null=True)
    duration = fields.FloatField(null=True)
    engine = fields.CharField(max_length=64, default="")
    error = fields.CharField(max_length=255, default="")
    created_at = UtcDatetimeField(auto_now_add=True)
    updated_at = UtcDatetimeField(auto_now=True)

    class Meta:
        table = "voice_transcript"
        unique_together = (("channel", "external_id"),)


class CallRecording(Model):
    """A hotline call's recording and the draft ticket made from it for the agent to confirm."""

    id = fields.IntField(primary_key=True)
    call_id = fields.CharField(max_length=64, unique=True)
    agent_id = fields.CharField(max_length=64, default="", db_index=True)
    caller_encrypted = fields.TextField(null=True)
    caller_masked = fields.CharField(max_length=16, default="")
    ref = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=32, default="")
    # received, transcribed, failed, confirmed, dismissed
    status = fields.CharField(max_length=16, default="received", db_index=True)
    transcript = fields.TextField(null=True)
    confidence = fields.FloatField(null=True)
    duration = fields.FloatField(null=True)
    error = fields.CharField(max_length=255, default="")
    # Triage of the transcript: what the draft proposes, and a transfer for emergencies.
    scope = fields.CharField(max_length=32, default="")
    kind = fields.CharField(max_length=16, default="")
    category = fields.CharField(max_length=64, null=True)
    urgency = fields.CharField(max_length=16, default="normal")
    transfer_to = fields.CharField(max_length=8, default="")
    ticket_number = fields.CharField(max_length=32, default="")
    confirmed_by = fields.CharField(max_length=64, default="")
    created_at = UtcDatetimeField(auto_now_add=True, db_index=True)
    updated_at = UtcDatetimeField(auto_now=True)

    class Meta:
        table = "call_recording"


class CallRecord(Model):
    """One inbound call as the call centre reports it: offered, answered or abandoned."""

    id = fields.IntField(primary_key=True)
    call_id = fields.CharField(max_length=64, unique=True)
    caller_masked = fields.CharField(max_length=16, default="")
    agent_id = fields.CharField(max_length=64, default="")
    # answered | abandoned | offered (still ringing or queued when reported)
    outcome = fields.CharField(max_length=16, db_index=True)
    offered_at = UtcDatetimeField(db_index=True)
    answered_at = UtcDatetimeField(null=True)
    ended_at = UtcDatetimeField(null=True)
    wait_seconds = fields.FloatField(default=0.0)
    talk_seconds = fields.FloatField(default=0.0)
    updated_at = UtcDatetimeField(auto_now=True)

    class Meta:
        table = "call_record"


class CallTask(Model):
    """An outbound call the platform is to place (a voice survey), and the answer it brought."""

    id = fields.IntField(primary_key=True)
    # Makes creation idempotent: the survey code may ask twice for the same call.
    dedup_key = fields.CharField(max_length=191, unique=True)
    purpose = fields.CharField(max_length=32, default="survey")
    ticket_number = fields.CharField(max_length=32, default="", db_index=True)
    phone_encrypted = fields.TextField()
    phone_masked = fields.CharField(max_length=16, default="")
    prompt_text = fields.TextField()
    # Task name to enqueue (with ``call_task_id``) once an answer is in: the survey code's.
    on_result = fields.CharField(max_length=128, default="")
    # pending, dialling, answered, failed (no answer, busy), parsed (answer understood or not)
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    attempts = fields.IntField(default=0)
    not_before = UtcDatetimeField(null=True)
    digits = fields.CharField(max_length=16, default="")
    recording_ref = fields.CharField(max_length=255, default="")
    transcript = fields.TextField(null=True)
    confidence = fields.FloatField(null=True)
    answer: dict[str, Any] = fields.JSONField(default=dict)
    error = fields.CharField(max_length=255, default="")
    created_at = UtcDatetimeField(auto_now_add=True)
    updated_at = UtcDatetimeField(auto_now=True)

    class Meta:
        table = "call_task"
