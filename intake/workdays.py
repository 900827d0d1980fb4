"""Working days in mainland China and ticket deadlines counted in them.

Public holidays and adjusted working days (调休) come from the ``chinese-calendar`` package, which
only knows a fixed range of years (2004–2026 in 1.11.0) and raises ``NotImplementedError`` beyond.
The State Council publishes each next year's schedule in November, so operators extend or correct
the package with a JSON holiday file. A year known to neither is counted on weekends only: the
deadline is still computed, logged as a warning and flagged on the result, never a crash.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Read the package's range from its data instead of hard-coding 2004–2026, so upgrading the
# package widens it without a code change.
_PACKAGE_FIRST_YEAR = min(chinese_calendar.holidays).year
_PACKAGE_LAST_YEAR = max(chinese_calendar.holidays).year

KINDS = ("consult", "help", "complaint", "report", "suggestion", "praise")
URGENCIES = ("normal", "urgent")

# Working days per (kind, urgency). Urgent means "the same day" (0). Praise needs no handling, but
# gets a deadline anyway for acknowledging it, urgent or not.
DEFAULT_DEADLINES: dict[tuple[str, str], int] = {
    ("consult", "normal"): 3,
    ("help", "normal"): 3,
    ("complaint", "normal"): 13,
    ("report", "normal"): 13,
    ("suggestion", "normal"): 13,
    ("praise", "normal"): 3,
    ("consult", "urgent"): 0,
    ("help", "urgent"): 0,
    ("complaint", "urgent"): 0,
    ("report", "urgent"): 0,
    ("suggestion", "urgent"): 0,
    ("praise", "urgent"): 3,
}

# A limit beyond a year of working days is a typo in the setting, not a policy.
MAX_WORKDAYS = 250


@dataclass(frozen=True, slots=True)
class Deadline:
    """A computed deadline: the end of a day in Asia/Shanghai, and how trustworthy it is."""

    due_at: datetime
    # Years counted on weekends only because neither the package nor the holiday file knows them.
    weekends_only_years: tuple[int, ...] = ()

    @property
    def estimated(self) -> bool:
        """True when public holidays may have been missed (an unknown year was crossed)."""
        return bool(self.weekends_only_years)


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """One year of the operator's holiday file: days off and adjusted working weekend days."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """The package's calendar, with the operator's holiday file taking precedence date by date."""

    overrides: Mapping[int, YearSchedule] = field(default_factory=dict)

    @classmethod
    def load(cls, holiday_file: Path | None) -> WorkCalendar:
        """Build the calendar; ``ValueError`` names the file and entry if the file is invalid."""
        if holiday_file is None:
            return cls()
        return cls(overrides=_read_holiday_file(holiday_file))

    def known_year(self, year: int) -> bool:
        """Whether holidays of ``year`` are known (package or holiday file)."""
        return year in self.overrides or _PACKAGE_FIRST_YEAR <= year <= _PACKAGE_LAST_YEAR

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day; weekdays-only for a year nobody knows."""
        d = _local_date(d)
        schedule = self.overrides.get(d.year)
        if schedule is not None:
            if d in schedule.holidays:
                return False
            if d in schedule.workdays:
                return True
        if _PACKAGE_FIRST_YEAR <= d.year <= _PACKAGE_LAST_YEAR:
            return bool(chinese_calendar.is_workday(d))
        return d.weekday() < 5

    def add_workdays(self, start: datetime, n: int) -> Deadline:
        """End (23:59:59 Asia/Shanghai) of the ``n``-th working day after ``start``'s date.

        ``n == 0`` is the end of the start day itself, even a holiday: urgent matters go to the
        departments' on-call teams, who do not wait for Monday. For ``n >= 1`` only working days
        after the start date count, so a request received on a Saturday is due on the same day as
        one received on the Friday before.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0 working days, got {n}")
        day = _to_local(start).date()
        unknown: set[int] = set()
        for _ in range(n):
            day += timedelta(days=1)
            while not _check_workday(self, day, unknown):
                day += timedelta(days=1)
        deadline = Deadline(
            due_at=datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI),
            weekends_only_years=tuple(sorted(unknown)),
        )
        if deadline.estimated:
            _warn_weekends_only(deadline.weekends_only_years)
        return deadline


def workdays_between(start: datetime, end: datetime, calendar: WorkCalendar) -> int:
    """Working days after ``start``'s date up to and including ``end``'s (negative if reversed).

    The inverse of ``add_workdays``: ``workdays_between(t, cal.add_workdays(t, n).due_at) == n``
    for n >= 1, so ``workdays_between(due_at, now)`` is "overdue by N working days".
    """
    first, last = _to_local(start).date(), _to_local(end).date()
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    count = 0
    unknown: set[int] = set()
    day = first + timedelta(days=1)
    while day <= last:
        count += _check_workday(calendar, day, unknown)
        day += timedelta(days=1)
    if unknown:
        _warn_weekends_only(tuple(sorted(unknown)))
    return sign * count


def compute_due_at(
    *,
    kind: str,
    urgency: str,
    received_at: datetime,
    calendar: WorkCalendar,
    table: Mapping[tuple[str, str], int],
) -> Deadline:
    """The deadline of a ticket of ``kind``/``urgency`` received at ``received_at``."""
    try:
        days = table[(kind, urgency)]
    except KeyError:
        raise ValueError(
            f"no time limit configured for kind={kind!r}, urgency={urgency!r}"
        ) from None
    return calendar.add_workdays(received_at, days)


def parse_deadline_table(spec: str) -> dict[tuple[str, str], int]:
    """Defaults overridden by a setting like ``"complaint:normal=10,*:urgent=0"``.

    ``*`` stands for every kind. A specific entry beats a ``*`` entry whatever their order, so the
    setting reads the same however it was edited; giving the same entry twice is an error.
    """
    table = dict(DEFAULT_DEADLINES)
    wildcard: dict[str, int] = {}
    specific: dict[tuple[str, str], int] = {}
    for raw in spec.split(","):
        entry = raw.strip()
        if not entry:
            continue
        kind, urgency, days = _parse_entry(entry)
        if kind == "*":
            if urgency in wildcard:
                raise ValueError(f"deadline entry {entry!r}: '*:{urgency}' is given twice")
            wildcard[urgency] = days
        else:
            if (kind, urgency) in specific:
                raise ValueError(f"deadline entry {entry!r}: '{kind}:{urgency}' is given twice")
            specific[(kind, urgency)] = days
    for urgency, days in wildcard.items():
        table.update({(kind, urgency): days for kind in KINDS})
    table.update(specific)
    return table


def _parse_entry(entry: str) -> tuple[str, str, int]:
    expected = "expected 'kind:urgency=days', e.g. 'complaint:normal=13'"
    key, sep, value = entry.partition("=")
    kind, colon, urgency = key.strip().partition(":")
    kind, urgency, value = kind.strip(), urgency.strip(), value.strip()
    if not sep or not colon or not kind or not urgency or not value:
        raise ValueError(f"deadline entry {entry!r}: {expected}")
    if kind != "*" and kind not in KINDS:
        raise ValueError(
            f"deadline entry {entry!r}: unknown kind {kind!r}; use one of {', '.join(KINDS)} or *"
        )
    if urgency not in URGENCIES:
        raise ValueError(
            f"deadline entry {entry!r}: unknown urgency {urgency!r}; use {' or '.join(URGENCIES)}"
        )
    if not value.isascii() or not value.isdigit():
        raise ValueError(f"deadline entry {entry!r}: {value!r} is not a whole number of days")
    days = int(value)
    if days > MAX_WORKDAYS:
        raise ValueError(f"deadline entry {entry!r}: {days} working days exceeds {MAX_WORKDAYS}")
    return kind, urgency, days


def _read_holiday_file(path: Path) -> dict[int, YearSchedule]:
    def bad(detail: str) -> ValueError:
        return ValueError(f"holiday file {path}: {detail}")

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise bad(f"cannot be read ({exc.strerror or exc})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad(f"is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise bad('expected an object like {"2027": {"holidays": [...], "workdays": [...]}}')

    schedules: dict[int, YearSchedule] = {}
    for year_key, entry in data.items():
        if not (isinstance(year_key, str) and len(year_key) == 4 and year_key.isdigit()):
            raise bad(f"{year_key!r} is not a year like '2027'")
        year = int(year_key)
        if not isinstance(entry, dict):
            raise bad(f'"{year_key}" must be an object with "holidays" and/or "workdays"')
        unknown_keys = set(entry) - {"holidays", "workdays"}
        if unknown_keys:
            raise bad(f'"{year_key}" has unknown key(s) {sorted(unknown_keys)}')
        holidays = _read_dates(entry.get("holidays", []), year, f"{year_key}.holidays", bad)
        workdays = _read_dates(entry.get("workdays", []), year, f"{year_key}.workdays", bad)
        for d in sorted(workdays):
            # Adjusted working days are always weekend days; a weekday here is a typo that would
            # silently shift deadlines.
            if d.weekday() < 5:
                raise bad(f"{year_key}.workdays: {d} is a {d:%A}, not a Saturday or Sunday")
        both = holidays & workdays
        if both:
            raise bad(f"{year_key}: {min(both)} is listed as both holiday and workday")
        schedules[year] = YearSchedule(holidays=holidays, workdays=workdays)
    return schedules


def _read_dates(
    items: object, year: int, where: str, bad: Callable[[str], ValueError]
) -> frozenset[date]:
    if not isinstance(items, list):
        raise bad(f'{where} must be a list of dates like "{year}-01-01"')
    dates: set[date] = set()
    for item in items:
        try:
            d = date.fromisoformat(item) if isinstance(item, str) and len(item) == 10 else None
        except ValueError:
            d = None
        if d is None:
            raise bad(f'{where}: {item!r} is not a date like "{year}-01-01"')
        if d.year != year:
            raise bad(f"{where}: {item} is not in {year}")
        dates.add(d)
    return frozenset(dates)


def _check_workday(calendar: WorkCalendar, d: date, unknown: set[int]) -> bool:
    """``calendar.is_workday(d)``, adding ``d``'s year to ``unknown`` if it was a guess."""
    if not calendar.known_year(d.year):
        unknown.add(d.year)
    return calendar.is_workday(d)


def _warn_weekends_only(years: tuple[int, ...]) -> None:
    logger.warning(
        "holidays of %s unknown: counted weekends only; add the year to the holiday file",
        ", ".join(map(str, years)),
    )


def _to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(SHANGHAI)


def _local_date(d: date) -> date:
    # datetime is a date subclass; compared with the calendar's dates it would never match.
    return _to_local(d).date() if isinstance(d, datetime) else d
