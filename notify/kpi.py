"""The hotline's service indicators from tickets and callback surveys (see docs/kpis.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count

from intake.models import Ticket
from notify.models import Survey

SATISFIED = ("very_satisfied", "satisfied", "basically_satisfied")


@dataclass(frozen=True)
class Kpis:
    surveys_sent: int
    surveys_answered: int
    no_response: int
    response_rate: float | None
    satisfaction_rate: float | None
    resolution_rate: float | None
    closed: int
    closed_on_time: int
    on_time_rate: float | None
    consultations: int
    answered_instantly: int
    instant_answer_rate: float | None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def compute(*, since: datetime, until: datetime) -> Kpis:
    surveys = Survey.filter(sent_at__gte=since, sent_at__lt=until)
    by_status = dict(
        await surveys.annotate(n=Count("id")).group_by("status").values_list("status", "n")
    )
    answered = await surveys.filter(status="answered")
    rated = [s for s in answered if s.satisfaction is not None]
    resolved_known = [s for s in answered if s.resolved is not None]
    sent = sum(by_status.values())
    closed = await Ticket.filter(closed_at__gte=since, closed_at__lt=until).values_list(
        "closed_at", "due_at"
    )
    on_time = sum(1 for closed_at, due_at in closed if due_at is None or closed_at <= due_at)
    in_period = Ticket.filter(created_at__gte=since, created_at__lt=until, scope="in")
    consultations = await in_period.filter(kind="consult").count()
    instant = await in_period.filter(status="answered_instantly").count()
    return Kpis(
        surveys_sent=sent,
        surveys_answered=len(answered),
        no_response=int(by_status.get("no_response", 0)),
        response_rate=_rate(len(answered), sent),
        satisfaction_rate=_rate(sum(1 for s in rated if s.satisfaction in SATISFIED), len(rated)),
        resolution_rate=_rate(sum(1 for s in resolved_known if s.resolved), len(resolved_known)),
        closed=len(closed),
        closed_on_time=on_time,
        on_time_rate=_rate(on_time, len(closed)),
        consultations=consultations,
        answered_instantly=instant,
        instant_answer_rate=_rate(instant, consultations),
    )
