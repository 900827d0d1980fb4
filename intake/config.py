"""What the intake domain needs from the settings, built once and passed explicitly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hotline.settings import Settings
from intake.workdays import WorkCalendar, parse_deadline_table


@dataclass(frozen=True)
class IntakeConfig:
    default_region: str
    idle_minutes: int
    repeat_window_days: int
    calendar: WorkCalendar
    deadline_table: Mapping[tuple[str, str], int]
    secret_key: str
    public_base_url: str


_cache: dict[int, IntakeConfig] = {}


def intake_config(settings: Settings) -> IntakeConfig:
    """The intake configuration for these settings (cached per settings object: the holiday
    file is read once)."""
    cached = _cache.get(id(settings))
    if cached is not None:
        return cached
    config = IntakeConfig(
        default_region=settings.default_region,
        idle_minutes=settings.conversation_idle_minutes,
        repeat_window_days=settings.repeat_window_days,
        calendar=WorkCalendar.load(settings.holiday_file),
        deadline_table=parse_deadline_table(settings.deadlines),
        secret_key=settings.secret_key,
        public_base_url=settings.public_base_url,
    )
    _cache[id(settings)] = config
    return config
