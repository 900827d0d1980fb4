"""When a message may go out: quiet hours for non-urgent messages."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from intake.workdays import SHANGHAI


def parse_quiet_hours(spec: str) -> tuple[time, time] | None:
    """ "22:00-08:00" → (22:00, 08:00); "" or "off" → None. Errors say what is wrong."""
    if spec.strip().lower() in ("", "off", "none"):
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in spec.split("-"))
    except ValueError as exc:
        raise ValueError(f"quiet hours must look like 22:00-08:00, not {spec!r}") from exc
    return start, end


def next_allowed(moment: datetime, quiet: tuple[time, time] | None) -> datetime:
    """``moment`` itself if it is outside quiet hours, else the end of the quiet period."""
    if quiet is None:
        return moment
    start, end = quiet
    local = moment.astimezone(SHANGHAI)
    now = local.time()
    inside = (start <= now or now < end) if start > end else (start <= now < end)
    if not inside:
        return moment
    wake = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake
