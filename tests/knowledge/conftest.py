"""Fixtures of the knowledge tests: an empty knowledge base, or the seeded demo one.

The session database is shared on PostgreSQL and the common fixtures do not empty the knowledge
tables, so these fixtures clear them before and after each test.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from intake.knowledge.models import KnowledgeItem, KnowledgeRevision, KnowledgeVersion
from intake.knowledge.seed import SEED_FILE, seed_knowledge

DATA = Path(__file__).parent / "data"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "requests.jsonl"


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


async def clear_knowledge() -> None:
    await KnowledgeVersion.all().delete()
    await KnowledgeItem.all().delete()
    await KnowledgeRevision.all().delete()


@pytest.fixture
async def empty_kb(db: None) -> AsyncIterator[None]:
    await clear_knowledge()
    yield
    await clear_knowledge()


@pytest.fixture
async def kb(empty_kb: None) -> int:
    return await seed_knowledge(path=SEED_FILE)
