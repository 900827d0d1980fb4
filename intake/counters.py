"""Atomic counters in SQL, for ticket numbers and rate limits shared by every process."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from intake import sql


async def increment(*, table: str, keys: Mapping[str, str | int]) -> int:
    """Add one to ``last_value`` of the row with these keys (created at 1) and return it.

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement (SQLite ≥ 3.35, PostgreSQL): on
    PostgreSQL the row stays locked until the caller's transaction ends, so no two callers ever
    read the same value. ``table`` and the key names come from code, never from input.
    """
    names = tuple(keys)
    counts = await increment_each(table=table, names=names, rows=[tuple(keys.values())])
    return counts[0]


# The key columns of ``rate_counter``.
RATE_KEYS = ("key", "window_start")


async def increment_each(
    *, table: str, names: Sequence[str], rows: Sequence[Sequence[str | int]]
) -> list[int]:
    """``increment`` for several distinct rows in one statement (one commit, not one each);
    the new values in the order of ``rows``."""
    statement, params = increment_statement(table=table, names=names, rows=rows)
    found = await sql.rows(statement, *params)
    # RETURNING's order is not promised for several rows: match them up by their keys.
    value_of = {tuple(r[name] for name in names): int(r["last_value"]) for r in found}
    return [value_of[tuple(row)] for row in rows]


def increment_statement(
    *,
    table: str,
    names: Sequence[str],
    rows: Sequence[Sequence[str | int]],
    first_mark: int = 1,
) -> tuple[str, list[str | int]]:
    """The upsert of ``increment_each`` and its parameters, numbered from ``first_mark`` (to
    be part of a larger statement)."""
    marks: list[str] = []
    params: list[str | int] = []
    for row in rows:
        first = first_mark + len(params)
        marks.append("(" + ", ".join(f"${first + i}" for i in range(len(row))) + ", 1)")
        params.extend(row)
    columns = ", ".join(names)
    statement = (
        f"INSERT INTO {table} ({columns}, last_value) VALUES {', '.join(marks)} "
        f"ON CONFLICT ({columns}) DO UPDATE SET last_value = {table}.last_value + 1 "
        f"RETURNING {columns}, last_value"
    )
    return statement, params
