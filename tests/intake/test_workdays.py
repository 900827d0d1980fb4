"""Working days and ticket deadlines against the real 2026 schedule in chinese-calendar 1.11.0."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from intake.workdays import (
    DEFAULT_DEADLINES,
    SHANGHAI,
    WorkCalendar,
    compute_due_at,
    parse_deadline_table,
    workdays_between,
)

# Illustrative 2027 entries for the tests, not the State Council's published schedule.
HOLIDAYS_2027 = {
    "2027": {
        "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"],
        "workdays": ["2027-02-07"],
    }
}


def at(y: int, m: int, d: int, hour: int = 0) -> datetime:
    return datetime(y, m, d, hour, tzinfo=SHANGHAI)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)


def due(kind: str, urgency: str, received_at: datetime, calendar: WorkCalendar) -> datetime:
    deadline = compute_due_at(
        kind=kind,
        urgency=urgency,
        received_at=received_at,
        calendar=calendar,
        table=DEFAULT_DEADLINES,
    )
    assert not deadline.estimated
    return deadline.due_at


def write_holiday_file(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar.load(None)


def test_national_day_2026_holidays_and_adjusted_workdays(calendar: WorkCalendar) -> None:
    assert not any(calendar.is_workday(date(2026, 10, d)) for d in range(1, 8))
    # 调休: Sunday 20 September and Saturday 10 October are worked for National Day.
    assert calendar.is_workday(date(2026, 9, 20))
    assert calendar.is_workday(date(2026, 10, 10))
    assert not calendar.is_workday(date(2026, 10, 11))
    # Mid-Autumn Festival, Friday to Sunday the week before.
    assert not calendar.is_workday(date(2026, 9, 25))


def test_consult_before_national_day_is_due_on_the_adjusted_saturday(
    calendar: WorkCalendar,
) -> None:
    # 8 Oct (1), 9 Oct (2), Saturday 10 Oct (3).
    assert due("consult", "normal", at(2026, 9, 30, 10), calendar) == end_of(2026, 10, 10)


def test_complaint_across_mid_autumn_and_national_day(calendar: WorkCalendar) -> None:
    # 28, 29, 30 Sep; 8, 9, 10, 12–16, 19, 20 Oct: thirteen working days.
    assert due("complaint", "normal", at(2026, 9, 24, 10), calendar) == end_of(2026, 10, 20)


def test_spring_festival_2026(calendar: WorkCalendar) -> None:
    # Saturday 14 Feb is worked, 15–23 Feb are off, Saturday 28 Feb is worked.
    assert calendar.is_workday(date(2026, 2, 14))
    assert not calendar.is_workday(date(2026, 2, 23))
    assert due("help", "normal", at(2026, 2, 13, 16), calendar) == end_of(2026, 2, 25)
    assert due("suggestion", "normal", at(2026, 2, 13, 16), calendar) == end_of(2026, 3, 10)


def test_request_received_on_saturday_counts_from_monday(calendar: WorkCalendar) -> None:
    saturday, friday = at(2026, 11, 28, 9), at(2026, 11, 27, 9)
    assert due("consult", "normal", saturday, calendar) == end_of(2026, 12, 2)
    assert due("consult", "normal", friday, calendar) == end_of(2026, 12, 2)


def test_urgent_is_due_the_same_day_even_on_a_holiday(calendar: WorkCalendar) -> None:
    assert due("complaint", "urgent", at(2026, 11, 27, 15), calendar) == end_of(2026, 11, 27)
    assert due("help", "urgent", at(2026, 10, 3, 8), calendar) == end_of(2026, 10, 3)
    # Praise needs no urgent handling: acknowledged within 3 working days anyway.
    assert due("praise", "urgent", at(2026, 11, 27, 15), calendar) == end_of(2026, 12, 2)


def test_any_aware_datetime_is_read_in_shanghai_time(calendar: WorkCalendar) -> None:
    # 17:00 UTC on Friday is already 01:00 on Saturday in Fuzhou.
    received = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    deadline = due("report", "urgent", received, calendar)
    assert deadline == end_of(2026, 11, 28)
    assert deadline.tzinfo is SHANGHAI
    assert calendar.is_workday(datetime(2026, 9, 30, 17, 0, tzinfo=UTC)) is False  # 1 Oct local


def test_naive_datetime_and_negative_days_are_refused(calendar: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add_workdays(datetime(2026, 11, 27, 9), 3)
    with pytest.raises(ValueError, match=">= 0"):
        calendar.add_workdays(at(2026, 11, 27, 9), -1)


def test_deadline_into_unknown_2027_falls_back_to_weekends_and_warns(
    calendar: WorkCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    assert calendar.known_year(2004) and calendar.known_year(2026)
    assert not calendar.known_year(2003) and not calendar.known_year(2027)
    with caplog.at_level(logging.WARNING, logger="intake.workdays"):
        deadline = compute_due_at(
            kind="complaint",
            urgency="normal",
            received_at=at(2026, 12, 22, 10),
            calendar=calendar,
            table=DEFAULT_DEADLINES,
        )
    # 23–25, 28–31 Dec (7), then 1 Jan counted as a plain Friday, 4–8 Jan (13).
    assert deadline.due_at == end_of(2027, 1, 8)
    assert deadline.estimated and deadline.weekends_only_years == (2027,)
    assert "2027" in caplog.text and "holiday file" in caplog.text
    assert calendar.is_workday(date(2031, 10, 1))  # weekday rule, no NotImplementedError


def test_deadline_into_2027_with_holiday_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calendar = WorkCalendar.load(write_holiday_file(tmp_path, HOLIDAYS_2027))
    assert calendar.known_year(2027)
    with caplog.at_level(logging.WARNING, logger="intake.workdays"):
        deadline = calendar.add_workdays(at(2026, 12, 22, 10), 13)
    # 1 January is now a holiday: the deadline moves to Monday 11 January.
    assert deadline.due_at == end_of(2027, 1, 11)
    assert not deadline.estimated
    assert caplog.text == ""
    # Adjusted working Sunday from the file: Sunday (1), Monday (2), Tuesday (3).
    assert calendar.is_workday(date(2027, 2, 7))
    assert calendar.add_workdays(at(2027, 2, 5, 9), 3).due_at == end_of(2027, 2, 9)


def test_holiday_file_extends_a_year_the_package_knows(tmp_path: Path) -> None:
    calendar = WorkCalendar.load(
        write_holiday_file(tmp_path, {"2026": {"holidays": ["2026-12-31"]}})
    )
    assert not calendar.is_workday(date(2026, 12, 31))
    assert calendar.is_workday(date(2026, 12, 30))
    assert not calendar.is_workday(date(2026, 10, 1))  # the package still answers the rest
    assert calendar.is_workday(date(2026, 10, 10))


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected an object"),
        ('{"27": {}}', "'27' is not a year"),
        ('{"2027": []}', "must be an object"),
        ('{"2027": {"holiday": ["2027-01-01"]}}', "unknown key(s) ['holiday']"),
        ('{"2027": {"holidays": "2027-01-01"}}', "2027.holidays must be a list"),
        ('{"2027": {"holidays": ["2027-02-30"]}}', "2027.holidays: '2027-02-30' is not a date"),
        ('{"2027": {"holidays": ["2027/01/01"]}}', "'2027/01/01' is not a date"),
        ('{"2027": {"holidays": ["2026-10-01"]}}', "2026-10-01 is not in 2027"),
        ('{"2027": {"workdays": ["2027-02-08"]}}', "2027-02-08 is a Monday"),
        (
            '{"2027": {"holidays": ["2027-02-07"], "workdays": ["2027-02-07"]}}',
            "both holiday and workday",
        ),
    ],
)
def test_invalid_holiday_file_names_file_and_entry(
    tmp_path: Path, content: str, detail: str
) -> None:
    path = tmp_path / "holidays.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as excinfo:
        WorkCalendar.load(path)
    assert str(path) in str(excinfo.value)
    assert detail in str(excinfo.value)


def test_missing_holiday_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be read"):
        WorkCalendar.load(tmp_path / "nope.json")


def test_workdays_between_is_the_inverse_of_add_workdays(calendar: WorkCalendar) -> None:
    start = at(2026, 9, 24, 10)
    for n in (1, 3, 13):
        assert workdays_between(start, calendar.add_workdays(start, n).due_at, calendar) == n
    # Overdue by: due 20 Oct, now 23 Oct → 21, 22, 23.
    assert workdays_between(end_of(2026, 10, 20), at(2026, 10, 23, 9), calendar) == 3
    assert workdays_between(at(2026, 10, 23, 9), end_of(2026, 10, 20), calendar) == -3
    assert workdays_between(at(2026, 10, 1, 9), at(2026, 10, 7, 18), calendar) == 0


def test_default_table() -> None:
    assert DEFAULT_DEADLINES[("consult", "normal")] == 3
    assert DEFAULT_DEADLINES[("help", "normal")] == 3
    assert DEFAULT_DEADLINES[("complaint", "normal")] == 13
    assert DEFAULT_DEADLINES[("report", "normal")] == 13
    assert DEFAULT_DEADLINES[("suggestion", "normal")] == 13
    assert DEFAULT_DEADLINES[("praise", "normal")] == 3
    assert DEFAULT_DEADLINES[("complaint", "urgent")] == 0
    assert parse_deadline_table("") == DEFAULT_DEADLINES


def test_parse_deadline_table_overrides_defaults() -> None:
    table = parse_deadline_table(" consult:normal=2 , complaint:normal=10,*:urgent=1,")
    assert table[("consult", "normal")] == 2
    assert table[("complaint", "normal")] == 10
    assert table[("help", "normal")] == 3  # untouched default
    assert table[("help", "urgent")] == 1
    assert table[("praise", "urgent")] == 1


def test_specific_entry_beats_wildcard_in_any_order() -> None:
    for spec in ("*:urgent=0,praise:urgent=3", "praise:urgent=3,*:urgent=0"):
        table = parse_deadline_table(spec)
        assert table[("praise", "urgent")] == 3
        assert table[("consult", "urgent")] == 0


@pytest.mark.parametrize(
    ("spec", "detail"),
    [
        ("consult=3", "expected 'kind:urgency=days'"),
        ("consult:normal", "expected 'kind:urgency=days'"),
        ("consult:normal=", "expected 'kind:urgency=days'"),
        ("enquiry:normal=3", "unknown kind 'enquiry'"),
        ("consult:soon=3", "unknown urgency 'soon'"),
        ("consult:normal=-1", "'-1' is not a whole number"),
        ("consult:normal=2.5", "'2.5' is not a whole number"),
        ("consult:normal=1000", "exceeds"),
        ("consult:normal=3,consult:normal=4", "given twice"),
        ("*:urgent=0,*:urgent=1", "given twice"),
    ],
)
def test_parse_deadline_table_errors(spec: str, detail: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_deadline_table(spec)
    assert detail in str(excinfo.value)


def test_unconfigured_kind_is_a_clear_error(calendar: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="no time limit configured for kind='petition'"):
        compute_due_at(
            kind="petition",
            urgency="normal",
            received_at=at(2026, 11, 27, 9),
            calendar=calendar,
            table=DEFAULT_DEADLINES,
        )
