"""What triage decides about one request (shared by the Chinese and the English rules)."""

from __future__ import annotations

from dataclasses import dataclass

IN_SCOPE = "in"
URGENT = "urgent"
NORMAL = "normal"


@dataclass(frozen=True)
class TriageResult:
    """What triage decided; `scope` is `in`, `emergency:<number>` or `out:<reason>`."""

    scope: str
    kind: str
    category: str | None
    urgency: str
    confidence: float

    @property
    def is_emergency(self) -> bool:
        return self.scope.startswith("emergency:")

    @property
    def emergency_number(self) -> str | None:
        return self.scope.partition(":")[2] if self.is_emergency else None

    @property
    def is_out_of_scope(self) -> bool:
        return self.scope.startswith("out:")

    @property
    def out_reason(self) -> str | None:
        return self.scope.partition(":")[2] if self.is_out_of_scope else None
