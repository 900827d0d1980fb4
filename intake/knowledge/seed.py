"""The demo knowledge base shipped with the package (data/knowledge_seed.jsonl).

Seeding only adds items whose code is missing: an item staff edited or retired is never put
back, so running it on every start (``hotline up``) is safe.
"""

from __future__ import annotations

from pathlib import Path

from tortoise.transactions import in_transaction

from intake.knowledge.importer import parse
from intake.knowledge.models import KnowledgeItem
from intake.knowledge.service import region_codes, save_entry

SEED_FILE = Path(__file__).parent / "data" / "knowledge_seed.jsonl"


async def seed_knowledge(*, path: Path = SEED_FILE) -> int:
    """Create the seed items not yet present; returns how many were created."""
    rows = parse(path.read_text(encoding="utf-8"), fmt="jsonl", regions=await region_codes())
    created = 0
    async with in_transaction():
        existing = set(await KnowledgeItem.all().values_list("code", flat=True))
        for row in rows:
            if row.entry.code in existing:
                continue
            await save_entry(entry=row.entry, editor="seed", note="demo knowledge base")
            created += 1
    return created
