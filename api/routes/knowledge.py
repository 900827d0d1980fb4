"""Knowledge base: self-service search for citizens, item management for staff."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.deps import SettingsDep, client_ip, now, require_roles
from intake import ratelimit
from intake.knowledge import retrieval, service
from intake.knowledge.entries import KnowledgeEntry
from intake.knowledge.models import KnowledgeItem, KnowledgeVersion
from intake.knowledge.search import Hit
from intake.models import StaffUser
from intake.taxonomy import CATEGORIES, parent_of

router = APIRouter(tags=["knowledge"])
STAFF = "/api/v1/staff/knowledge/items"
Reader = Annotated[StaffUser, Depends(require_roles("operator", "supervisor", "department"))]
Editor = Annotated[StaffUser, Depends(require_roles("supervisor"))]


class AnswerOut(BaseModel):
    code: str
    question: str = Field(description="the standard question (标准问法)")
    matched: str = Field(description="the phrasing closest to the query")
    answer: str
    category: str
    category_name: str
    department: str
    confidence: float = Field(description="0-1; see intake.knowledge.search")
    confident: bool = Field(description="true: good enough to answer without asking back")

    @classmethod
    def of(cls, hit: Hit) -> AnswerOut:
        entry = hit.entry
        category = CATEGORIES.get(parent_of(entry.category) or "")
        return cls(
            code=entry.code,
            question=entry.questions[0],
            matched=hit.question,
            answer=entry.answer,
            category=entry.category,
            category_name=category.name_zh if category else "",
            department=entry.department,
            confidence=hit.confidence,
            confident=hit.confident,
        )


class SearchOut(BaseModel):
    query: str
    results: list[AnswerOut]


class KnowledgeIn(KnowledgeEntry):
    note: str = Field(default="", max_length=255, description="why it changed (kept in history)")


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=255)


class ItemOut(BaseModel):
    code: str
    questions: list[str]
    answer: str
    category: str
    department: str
    region: str
    valid_from: datetime | None
    valid_to: datetime | None
    source: str
    retired: bool
    status: str = Field(description="active | scheduled | expired | retired")
    version: int
    updated_at: datetime

    @classmethod
    def of(cls, item: KnowledgeItem) -> ItemOut:
        return cls(
            code=item.code,
            questions=list(item.questions),
            answer=item.answer,
            category=item.category,
            department=item.department,
            region=item.region,
            valid_from=item.valid_from,
            valid_to=item.valid_to,
            source=item.source,
            retired=item.retired,
            status=service.status_of(item, now=now()),
            version=item.version,
            updated_at=item.updated_at,
        )


class VersionOut(BaseModel):
    version: int
    content: dict[str, object]
    editor: str
    note: str
    created_at: datetime

    @classmethod
    def of(cls, row: KnowledgeVersion) -> VersionOut:
        return cls(
            version=row.version,
            content=row.content,
            editor=row.editor,
            note=row.note,
            created_at=row.created_at,
        )


class ItemDetailOut(ItemOut):
    versions: list[VersionOut]


@router.get(
    "/api/v1/knowledge/search",
    response_model=SearchOut,
    summary="Self-service answers (自助查询) before filing a request",
)
async def search(
    request: Request,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=2, max_length=200)],
    region: Annotated[str | None, Query(max_length=8, pattern="^[A-Za-z]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=5)] = 3,
) -> SearchOut:
    await ratelimit.enforce(
        key=f"knowledge:{client_ip(request)}",
        limit=settings.knowledge_searches_per_minute,
        window_seconds=60,
        now=now(),
    )
    hits = await retrieval.search(
        text=q, region=(region or settings.default_region).upper(), now=now(), limit=limit
    )
    return SearchOut(query=q, results=[AnswerOut.of(hit) for hit in hits])


@router.get(STAFF, response_model=list[ItemOut], summary="List knowledge items")
async def list_items(
    _: Reader,
    category: str | None = None,
    region: str | None = None,
    status: Annotated[str | None, Query(pattern="^(active|scheduled|expired|retired)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ItemOut]:
    items = await service.list_items(
        now=now(), category=category, region=region, status=status, limit=limit, offset=offset
    )
    return [ItemOut.of(item) for item in items]


@router.get(f"{STAFF}/{{code}}", response_model=ItemDetailOut, summary="One item and its history")
async def item_detail(code: str, _: Reader) -> ItemDetailOut:
    item = await service.get_item(code=code)
    history = await service.versions(code=code)
    return ItemDetailOut(
        **ItemOut.of(item).model_dump(), versions=[VersionOut.of(v) for v in history]
    )


@router.post(STAFF, response_model=ItemOut, status_code=201, summary="Create an item")
async def create_item(body: KnowledgeIn, user: Editor) -> ItemOut:
    item = await service.create_item(entry=body, editor=f"staff:{user.id}", note=body.note)
    return ItemOut.of(item)


@router.put(f"{STAFF}/{{code}}", response_model=ItemOut, summary="Edit an item (new version)")
async def update_item(code: str, body: KnowledgeIn, user: Editor) -> ItemOut:
    item = await service.update_item(
        code=code, entry=body, editor=f"staff:{user.id}", note=body.note
    )
    return ItemOut.of(item)


@router.post(f"{STAFF}/{{code}}/retire", response_model=ItemOut, summary="Stop serving an item")
async def retire_item(code: str, body: NoteIn, user: Editor) -> ItemOut:
    item = await service.retire_item(code=code, editor=f"staff:{user.id}", note=body.note)
    return ItemOut.of(item)
