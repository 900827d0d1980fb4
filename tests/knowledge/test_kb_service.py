"""Writing the knowledge base: versions, retirement, validation, seeding, and the shared index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from intake.knowledge import retrieval, service
from intake.knowledge.entries import KnowledgeEntry
from intake.knowledge.models import KnowledgeItem, KnowledgeRevision, KnowledgeVersion
from intake.knowledge.seed import seed_knowledge

ANSWER = "请携带身份证到户籍所在地派出所办理，具体以当地公安机关最新规定为准。"


def entry(**changes: object) -> KnowledgeEntry:
    values: dict[str, object] = {
        "code": "police-hukou-book-demo",
        "questions": ["户口本丢了怎么补办", "户口簿遗失去哪里补"],
        "answer": ANSWER,
        "category": "police.household",
        "department": "公安局（派出所）",
    }
    values.update(changes)
    return KnowledgeEntry(**values)  # type: ignore[arg-type]


async def test_an_edit_keeps_every_old_version(empty_kb):
    item = await service.create_item(entry=entry(), editor="staff:1")
    assert item.version == 1
    edited = await service.update_item(
        code=item.code,
        entry=entry(answer=ANSWER + "可在线预约。"),
        editor="staff:2",
        note="加预约",
    )
    assert edited.version == 2
    history = await service.versions(code=item.code)
    assert [v.version for v in history] == [1, 2]
    assert history[0].content["answer"] == ANSWER and history[0].editor == "staff:1"
    assert history[1].content["answer"].endswith("可在线预约。") and history[1].note == "加预约"
    # Saving the same content again is not a new version.
    again = await service.update_item(
        code=item.code, entry=entry(answer=ANSWER + "可在线预约。"), editor="staff:2"
    )
    assert again.version == 2 and await KnowledgeVersion.filter(item=item).count() == 2


async def test_every_write_moves_the_revision_and_the_index_follows(empty_kb, now):
    assert await retrieval.search(text="户口本丢了怎么补办", region="FZ", now=now) == []
    await service.create_item(entry=entry(), editor="staff:1")
    first = await KnowledgeRevision.get(id=1)
    hits = await retrieval.search(text="户口本丢了怎么补办", region="FZ", now=now)
    assert hits[0].entry.code == "police-hukou-book-demo" and hits[0].confident
    await service.update_item(
        code="police-hukou-book-demo",
        entry=entry(answer="新的答复：" + ANSWER),
        editor="staff:1",
    )
    second = await KnowledgeRevision.get(id=1)
    assert second.revision == first.revision + 1 and second.stamp != first.stamp
    hits = await retrieval.search(text="户口本丢了怎么补办", region="FZ", now=now)
    assert hits[0].entry.answer.startswith("新的答复") and hits[0].entry.version == 2
    await service.retire_item(code="police-hukou-book-demo", editor="staff:1")
    assert await retrieval.search(text="户口本丢了怎么补办", region="FZ", now=now) == []


async def test_retired_expired_and_scheduled_items(empty_kb, now):
    await service.create_item(entry=entry(), editor="s")
    await service.create_item(
        entry=entry(code="old", valid_to=(now - timedelta(days=1)).date()), editor="s"
    )
    await service.create_item(
        entry=entry(code="soon", valid_from=(now + timedelta(days=2)).date()), editor="s"
    )
    await service.create_item(entry=entry(code="gone"), editor="s")
    retired = await service.retire_item(code="gone", editor="s", note="政策废止")
    assert retired.retired and retired.version == 2
    assert (await service.retire_item(code="gone", editor="s")).version == 2  # no-op
    codes = {
        status: [i.code for i in await service.list_items(now=now, status=status)]
        for status in service.STATUSES
    }
    assert codes == {
        "active": ["police-hukou-book-demo"],
        "scheduled": ["soon"],
        "expired": ["old"],
        "retired": ["gone"],
    }
    hits = await retrieval.search(text="户口本丢了怎么补办", region="FZ", now=now)
    assert [hit.entry.code for hit in hits] == ["police-hukou-book-demo"]


async def test_a_date_alone_means_the_whole_day_in_beijing(empty_kb):
    item = await service.create_item(
        entry=entry(valid_from="2026-01-01", valid_to="2026-12-31"), editor="s"
    )
    assert item.valid_from == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert item.valid_to == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # end of Dec 31, local


async def test_bad_content_is_refused(empty_kb):
    await service.create_item(entry=entry(), editor="s")
    with pytest.raises(service.KnowledgeCodeTaken):
        await service.create_item(entry=entry(), editor="s")
    with pytest.raises(service.InvalidKnowledge):
        await service.create_item(entry=entry(code="other", region="ZZZ"), editor="s")
    with pytest.raises(service.InvalidKnowledge):
        await service.update_item(code="police-hukou-book-demo", entry=entry(code="x2"), editor="s")
    with pytest.raises(service.KnowledgeItemNotFound):
        await service.update_item(code="nope", entry=entry(code="nope"), editor="s")
    for bad in (
        {"category": "no.such.thing"},
        {"questions": []},
        {"questions": ["a|b 的问题"]},
        {"answer": "太短"},
        {"code": "Has Spaces"},
        {"valid_from": "2026-05-01", "valid_to": "2026-04-01"},
    ):
        with pytest.raises(ValidationError):
            entry(**bad)
    assert await KnowledgeItem.all().count() == 1


async def test_a_city_item_is_served_in_that_city_only(empty_kb, now):
    await service.create_item(entry=entry(region="xm"), editor="s")
    assert await retrieval.search(text="户口本丢了怎么补办", region="FZ", now=now) == []
    hits = await retrieval.search(text="户口本丢了怎么补办", region="XM", now=now)
    assert hits[0].entry.region == "XM"


async def test_seeding_adds_missing_items_and_never_undoes_staff_edits(empty_kb):
    created = await seed_knowledge()
    assert created >= 40
    item = await KnowledgeItem.get(code="hr-sscard-replace")
    edited = entry(
        code=item.code, category=item.category, answer="本市社保卡补办请到市民服务中心。以此为准。"
    )
    await service.update_item(code=item.code, entry=edited, editor="staff:1")
    await service.retire_item(code="hotline-service-hours", editor="staff:1")
    assert await seed_knowledge() == 0
    again = await KnowledgeItem.get(code="hr-sscard-replace")
    assert again.answer.startswith("本市社保卡") and again.version == 2
    assert (await KnowledgeItem.get(code="hotline-service-hours")).retired
