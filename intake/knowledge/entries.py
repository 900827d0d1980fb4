"""The content of one knowledge item, validated: what staff send, what import files hold.

The same model serves the API body, CSV/JSONL import and export, and the version history, so a
row that imports is exactly a row the API would accept.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from intake.taxonomy import parent_of
from intake.workdays import SHANGHAI

CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MAX_QUESTIONS = 30


def _moment(value: Any, *, end_of_day: bool) -> Any:
    """A date alone means that whole day in Shanghai: from its start, or until its end."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        value = date.fromisoformat(value.strip())
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value + timedelta(days=1) if end_of_day else value
        return datetime.combine(day, time(), tzinfo=SHANGHAI)
    return value


class KnowledgeEntry(BaseModel):
    """A standard answer with its phrasings, scope and validity. ``valid_to`` is exclusive; a
    bare date there means "through that day"."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str = Field(min_length=2, max_length=64, description="stable key, e.g. hr-sscard")
    questions: list[str] = Field(min_length=1, max_length=MAX_QUESTIONS)
    answer: str = Field(min_length=10, max_length=4000)
    category: str = Field(max_length=64, description="事项分类 code, e.g. hr.social_insurance")
    department: str = Field(default="", max_length=128, description="where to go next")
    region: str = Field(default="FJ", max_length=8, description="FJ province-wide, or a city")
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    source: str = Field(default="", max_length=255)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE.match(value):
            raise ValueError("code: lower-case letters, digits, '.', '_' or '-'")
        return value

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(q.strip() for q in value if q and q.strip()))
        if not cleaned:
            raise ValueError("at least one question")
        for question in cleaned:
            if not 2 <= len(question) <= 200:
                raise ValueError(f"question of {len(question)} characters (2-200)")
            if "|" in question:
                raise ValueError("a question may not contain '|' (it separates them in CSV)")
        return cleaned

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if parent_of(value) is None:
            raise ValueError(f"unknown category {value!r}")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return value.upper() or "FJ"

    @field_validator("valid_from", mode="before")
    @classmethod
    def _from(cls, value: Any) -> Any:
        return _moment(value, end_of_day=False) if value not in ("", None) else None

    @field_validator("valid_to", mode="before")
    @classmethod
    def _to(cls, value: Any) -> Any:
        return _moment(value, end_of_day=True) if value not in ("", None) else None

    @field_validator("valid_from", "valid_to")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # A naive time is read as Beijing time: that is what an operator typing one means.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=SHANGHAI)
        return value

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self
