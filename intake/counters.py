"""Atomic counters in SQL, for ticket numbers and rate limits shared by every process."""

from __future__ import annotations

from collections.abc import Mapping

from tortoise import Tortoise


async def increment(*, table: str, keys: Mapping[str, str | int]) -> int:
    """Add one to ``last_value`` of the row with these keys (created at 1) and return it.

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement (SQLite ≥ 3.35, PostgreSQL): on
    PostgreSQL the row stays locked until the caller's transaction ends, so no two callers ever
    read the same value. ``table`` and the key names come from code, never from input.
    """
    connection = Tortoise.get_connection("default")
    names = list(keys)
    if connection.capabilities.dialect == "postgres":
        marks = [f"${i}" for i in range(1, len(names) + 1)]
    else:
        marks = ["?"] * len(names)
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}, last_value) "
        f"VALUES ({', '.join(marks)}, 1) "
        f"ON CONFLICT ({', '.join(names)}) "
        f"DO UPDATE SET last_value = {table}.last_value + 1 "
        "RETURNING last_value"
    )
    rows = await connection.execute_query_dict(sql, [keys[name] for name in names])
    return int(rows[0]["last_value"])
