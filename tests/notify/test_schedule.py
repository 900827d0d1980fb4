from __future__ import annotations

from datetime import datetime

import pytest

from intake.workdays import SHANGHAI
from notify.schedule import next_allowed, parse_quiet_hours

QUIET = parse_quiet_hours("22:00-08:00")


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((2026, 11, 27, 21, 59), (2026, 11, 27, 21, 59)),
        ((2026, 11, 27, 22, 0), (2026, 11, 28, 8, 0)),
        ((2026, 11, 28, 3, 30), (2026, 11, 28, 8, 0)),
        ((2026, 11, 28, 8, 0), (2026, 11, 28, 8, 0)),
    ],
)
def test_quiet_hours_defer_to_the_morning(local, expected):
    moment = datetime(*local, tzinfo=SHANGHAI)
    assert next_allowed(moment, QUIET) == datetime(*expected, tzinfo=SHANGHAI)


def test_quiet_hours_off_and_bad_spec():
    assert parse_quiet_hours("off") is None
    with pytest.raises(ValueError, match="22:00-08:00"):
        parse_quiet_hours("late night")
