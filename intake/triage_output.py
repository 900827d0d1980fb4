"""The JSON record ``hotline triage`` prints for one request (the corpus format plus routing)."""

from __future__ import annotations

from intake.taxonomy import CATEGORIES
from intake.triage import triage


def triage_record(text: str) -> dict[str, object]:
    result = triage(text)
    category = CATEGORIES.get(result.category or "")
    return {
        "text": text,
        "scope": result.scope,
        "kind": result.kind,
        "category": result.category,
        "department": category.default_department_zh if category else None,
        "urgency": result.urgency,
    }
