"""Writing and reading the knowledge base: create, edit, retire, list, history.

Every write runs in one transaction that also records the new version and bumps the revision
row, so search processes see the change (``intake.knowledge.retrieval``) exactly when it commits.
Roles are checked by the caller; ``editor`` says who did it (``staff:<id>``, ``import:<file>``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from tortoise import Tortoise
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from intake.errors import HotlineError, InvalidInput, NotFound
from intake.knowledge.entries import KnowledgeEntry
from intake.knowledge.models import KnowledgeItem, KnowledgeVersion
from intake.models import Region

STATUSES = ("active", "scheduled", "expired", "retired")


class KnowledgeItemNotFound(NotFound):
    code = "knowledge_item_not_found"
    message_key = "knowledge.error_not_found"


class KnowledgeCodeTaken(HotlineError):
    code = "knowledge_code_taken"
    status_code = 409
    message_key = "knowledge.error_code_taken"


class InvalidKnowledge(InvalidInput):
    code = "invalid_knowledge"
    message_key = "knowledge.error_invalid"


async def bump_revision() -> int:
    """Mark the knowledge base changed; returns the new revision. One upsert statement: on
    PostgreSQL the row stays locked until the caller's transaction ends, so writers queue."""
    connection = Tortoise.get_connection("default")
    mark = "$1" if connection.capabilities.dialect == "postgres" else "?"
    rows = await connection.execute_query_dict(
        "INSERT INTO knowledge_revision (id, revision, stamp) "
        f"VALUES (1, 1, {mark}) ON CONFLICT (id) DO UPDATE SET "
        "revision = knowledge_revision.revision + 1, stamp = excluded.stamp "
        "RETURNING revision",
        [uuid.uuid4().hex],
    )
    return int(rows[0]["revision"])


async def region_codes() -> set[str]:
    return {str(code) for code in await Region.all().values_list("code", flat=True)}


def check_region(entry: KnowledgeEntry, known: Iterable[str]) -> None:
    if entry.region not in set(known):
        raise InvalidKnowledge(f"unknown region {entry.region}")


def _iso(moment: datetime | None) -> str | None:
    # UTC, so that the same instant always compares equal whatever zone it came in.
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def content_of(item: KnowledgeItem) -> dict[str, Any]:
    """One version's content: the entry's fields (JSON-safe) and the retired flag."""
    return {
        "code": item.code,
        "questions": list(item.questions),
        "answer": item.answer,
        "category": item.category,
        "department": item.department,
        "region": item.region,
        "valid_from": _iso(item.valid_from),
        "valid_to": _iso(item.valid_to),
        "source": item.source,
        "retired": item.retired,
    }


def _apply(item: KnowledgeItem, entry: KnowledgeEntry) -> None:
    item.questions = list(entry.questions)
    item.answer = entry.answer
    item.category = entry.category
    item.department = entry.department
    item.region = entry.region
    item.valid_from = entry.valid_from
    item.valid_to = entry.valid_to
    item.source = entry.source


async def _record(item: KnowledgeItem, *, editor: str, note: str) -> None:
    await KnowledgeVersion.create(
        item=item, version=item.version, content=content_of(item), editor=editor, note=note[:255]
    )
    await bump_revision()


async def save_entry(
    *, entry: KnowledgeEntry, editor: str, note: str = "", retired: bool | None = None
) -> tuple[KnowledgeItem, bool]:
    """Create the item or bring it to ``entry`` (and ``retired`` when given); a new version only
    when something changed. Returns the item and whether it changed. Caller holds the
    transaction and has checked the region."""
    item = await KnowledgeItem.select_for_update().get_or_none(code=entry.code)
    if item is None:
        item = KnowledgeItem(code=entry.code, retired=bool(retired), version=1)
        _apply(item, entry)
        await item.save()
        await _record(item, editor=editor, note=note or "created")
        return item, True
    before = content_of(item)
    _apply(item, entry)
    if retired is not None:
        item.retired = retired
    if content_of(item) == before:
        return item, False
    item.version += 1
    await item.save()
    await _record(item, editor=editor, note=note)
    return item, True


async def create_item(*, entry: KnowledgeEntry, editor: str, note: str = "") -> KnowledgeItem:
    """A new item (version 1); its code must be free."""
    async with in_transaction():
        check_region(entry, await region_codes())
        if await KnowledgeItem.exists(code=entry.code):
            raise KnowledgeCodeTaken(entry.code)
        item, _ = await save_entry(entry=entry, editor=editor, note=note)
    return item


async def update_item(
    *, code: str, entry: KnowledgeEntry, editor: str, note: str = ""
) -> KnowledgeItem:
    """Edit an item: the old content stays in its history. Retired items stay retired."""
    if entry.code != code:
        raise InvalidKnowledge("the code of an item cannot change")
    async with in_transaction():
        check_region(entry, await region_codes())
        if not await KnowledgeItem.exists(code=code):
            raise KnowledgeItemNotFound(code)
        item, _ = await save_entry(entry=entry, editor=editor, note=note)
    return item


async def retire_item(*, code: str, editor: str, note: str = "") -> KnowledgeItem:
    """Stop serving an item (kept, with its history). Retiring twice changes nothing."""
    async with in_transaction():
        item = await KnowledgeItem.select_for_update().get_or_none(code=code)
        if item is None:
            raise KnowledgeItemNotFound(code)
        if not item.retired:
            item.retired = True
            item.version += 1
            await item.save()
            await _record(item, editor=editor, note=note or "retired")
    return item


async def get_item(*, code: str) -> KnowledgeItem:
    item = await KnowledgeItem.get_or_none(code=code)
    if item is None:
        raise KnowledgeItemNotFound(code)
    return item


async def versions(*, code: str) -> list[KnowledgeVersion]:
    """Every version of an item, oldest first."""
    item = await get_item(code=code)
    return await KnowledgeVersion.filter(item=item).order_by("version")


def status_of(item: KnowledgeItem, *, now: datetime) -> str:
    if item.retired:
        return "retired"
    if item.valid_from is not None and now < item.valid_from:
        return "scheduled"
    if item.valid_to is not None and now >= item.valid_to:
        return "expired"
    return "active"


def _status_filter(status: str, now: datetime) -> Q:
    started = Q(valid_from__isnull=True) | Q(valid_from__lte=now)
    running = Q(valid_to__isnull=True) | Q(valid_to__gt=now)
    return {
        "retired": Q(retired=True),
        "scheduled": Q(retired=False, valid_from__gt=now),
        "expired": Q(retired=False, valid_to__lte=now),
        "active": Q(Q(retired=False), started, running),
    }[status]


async def list_items(
    *,
    now: datetime,
    category: str | None = None,
    region: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[KnowledgeItem]:
    """Items by code, filtered; ``status`` is one of ``STATUSES``."""
    query = KnowledgeItem.all()
    if category:
        query = query.filter(Q(category=category) | Q(category__startswith=f"{category}."))
    if region:
        query = query.filter(region=region.upper())
    if status:
        if status not in STATUSES:
            raise InvalidKnowledge(f"unknown status {status}")
        query = query.filter(_status_filter(status, now))
    return await query.order_by("code").offset(offset).limit(limit)
