"""Which tickets a staff member may see and act on: the one place the rule lives.

A department user (承办单位, role ``department``) sees only the tickets currently dispatched to
their own department; any other ticket is, to them, exactly an unknown number. Operators,
supervisors and admins see every ticket. A department user without a department sees nothing.

"Dispatched to" means the ticket's department is theirs *and* it has been dispatched at least
once: at filing the department is only triage's suggestion (an operator may send it elsewhere),
and tickets closed at intake (merged, answered at once, rejected, transferred) never reach one.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from intake.models import StaffUser, Ticket
from intake.workflow import FINAL_AT_INTAKE, Status

# Statuses a ticket can only be in once an operator has dispatched it.
DISPATCHED_STATUSES = frozenset(Status) - FINAL_AT_INTAKE - {Status.RECEIVED}


@dataclass(frozen=True)
class TicketScope:
    restricted: bool = False  # False: every ticket
    department_id: int | None = None  # the only department a restricted scope sees

    @classmethod
    def of(cls, staff: StaffUser) -> TicketScope:
        if staff.role != "department":
            return EVERY_TICKET
        return cls(restricted=True, department_id=staff.department_id)  # type: ignore[attr-defined]

    def allows(self, ticket: Ticket) -> bool:
        if not self.restricted:
            return True
        return (
            self.department_id is not None
            and ticket.department_id == self.department_id  # type: ignore[attr-defined]
            and ticket.status in DISPATCHED_STATUSES
        )

    def narrow(self, query: QuerySet[Ticket]) -> QuerySet[Ticket]:
        """``query`` limited to the tickets this scope allows."""
        if not self.restricted:
            return query
        if self.department_id is None:
            return query.filter(id__lt=0)  # nothing: ids start at 1
        return query.filter(
            department_id=self.department_id,
            status__in=sorted(s.value for s in DISPATCHED_STATUSES),
        )


EVERY_TICKET = TicketScope()
