"""Database models of the knowledge base (知识库).

An item is edited in place and every state it ever had is kept as a ``KnowledgeVersion`` row, so
an answer a citizen was given can always be read again as it was. ``KnowledgeRevision`` is one
row that changes with every write: search processes compare it to decide when to rebuild their
in-memory index (see ``intake.knowledge.service``).
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from hotline.fields import UtcDatetimeField


class KnowledgeItem(Model):
    """A standard answer (标准答案) with the phrasings citizens use to ask for it."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)  # stable key for import and export
    questions: list[str] = fields.JSONField(default=list)
    answer = fields.TextField()
    category = fields.CharField(max_length=64, db_index=True)
    department = fields.CharField(max_length=128, default="")
    region = fields.CharField(max_length=8, default="FJ")  # FJ is province-wide, else a city
    valid_from = UtcDatetimeField(null=True)
    valid_to = UtcDatetimeField(null=True)  # exclusive: served while valid_from <= now < valid_to
    source = fields.CharField(max_length=255, default="")
    retired = fields.BooleanField(default=False)
    version = fields.IntField(default=1)
    created_at = UtcDatetimeField(auto_now_add=True)
    updated_at = UtcDatetimeField(auto_now=True)

    class Meta:
        table = "knowledge_item"


class KnowledgeVersion(Model):
    """One state of an item, written with every change (version 1 at creation)."""

    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[KnowledgeItem] = fields.ForeignKeyField(
        "hotline.KnowledgeItem", related_name="versions", on_delete=fields.CASCADE
    )
    version = fields.IntField()
    content: dict[str, Any] = fields.JSONField(default=dict)
    editor = fields.CharField(max_length=64, default="")  # staff:<id>, import:<file>, seed
    note = fields.CharField(max_length=255, default="")
    created_at = UtcDatetimeField(auto_now_add=True)

    class Meta:
        table = "knowledge_version"
        unique_together = (("item", "version"),)
        ordering = ["version"]


class KnowledgeRevision(Model):
    """The single row (id 1) whose ``stamp`` changes on every write to the knowledge base."""

    id = fields.IntField(primary_key=True)
    revision = fields.BigIntField(default=0)
    # Random per write: a counter alone could repeat across two databases (tests, restores).
    stamp = fields.CharField(max_length=32, default="")

    class Meta:
        table = "knowledge_revision"
