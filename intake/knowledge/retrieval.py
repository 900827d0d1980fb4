"""Answering from the knowledge base: the per-process index, kept in step with the database.

The index lives in this process's memory (searching is pure CPU, about a millisecond). Before
each search one primary-key read fetches the revision row's ``stamp``; a different stamp than
the one the index was built from means some process wrote, and the index is rebuilt. So any
number of API and worker processes serve the same knowledge base without talking to each other.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from intake.knowledge.models import KnowledgeItem, KnowledgeRevision
from intake.knowledge.search import Entry, Hit, Index


@dataclass
class _Cached:
    stamp: str
    index: Index


_cached: _Cached | None = None
_EMPTY = Index(())


async def current_stamp() -> str | None:
    stamps = await KnowledgeRevision.filter(id=1).values_list("stamp", flat=True)
    return str(stamps[0]) if stamps else None


def entry_of(item: KnowledgeItem) -> Entry:
    return Entry(
        item_id=item.id,
        code=item.code,
        questions=tuple(item.questions),
        answer=item.answer,
        category=item.category,
        department=item.department,
        region=item.region,
        valid_from=item.valid_from,
        valid_to=item.valid_to,
        version=item.version,
    )


async def _entries() -> list[Entry]:
    return [entry_of(item) for item in await KnowledgeItem.filter(retired=False).order_by("id")]


async def current_index() -> Index:
    """The index of the knowledge base as last committed."""
    global _cached
    stamp = await current_stamp()  # read before the items: a write in between only rebuilds again
    if stamp is None:
        return _EMPTY
    cached = _cached
    if cached is not None and cached.stamp == stamp:
        return cached.index
    entries = await _entries()
    # Segmenting every phrasing takes a moment (and a second more the first time jieba loads
    # its dictionary): off the event loop, so other conversations go on meanwhile.
    index = await asyncio.to_thread(Index, entries)
    _cached = _Cached(stamp=stamp, index=index)
    return index


async def search(*, text: str, region: str, now: datetime, limit: int = 3) -> list[Hit]:
    """The best answers for ``text`` served in ``region`` at ``now``, best first."""
    index = await current_index()
    if not len(index):
        return []
    return index.search(text, region=region, now=now, limit=limit)
