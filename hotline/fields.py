"""Model field types shared by every app."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise import fields


class UtcDatetimeField(fields.DatetimeField):
    """A datetime always written in UTC.

    Tortoise (1.1) writes an aware datetime as given on update and in filters, and SQLite compares
    datetimes as text: a "+08:00" value next to "+00:00" ones sorts wrongly. Normalising every
    value to UTC on the way in keeps storage and comparisons right on SQLite and PostgreSQL.
    """

    def to_db_value(self, value: Any, instance: Any) -> Any:
        value = super().to_db_value(value, instance)
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value
