"""Hand-written SQL for the hottest paths (self-service lookups, counters).

Tortoise spends 0.3–0.5 ms of Python building each query, several times what PostgreSQL needs
to answer it; on a lookup that makes three or four queries that was most of the request's CPU
(see docs/benchmarks.md). These helpers send a fixed statement instead and still hand back
Tortoise models, converted by Tortoise's own executor, so callers see no difference.

Statements are written once with PostgreSQL's ``$1, $2 …`` placeholders; on SQLite they become
``?1, ?2 …``, SQLite's numbered form, so one text serves both databases. Table and column names
in a statement come from code, never from input.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)

_PLACEHOLDER = re.compile(r"\$(\d+)")


def _connection() -> BaseDBAsyncClient:
    # Inside ``in_transaction()`` this is the transaction's connection.
    return Tortoise.get_connection("default")


def is_postgres() -> bool:
    return bool(_connection().capabilities.dialect == "postgres")


def _for_dialect(sql: str, connection: BaseDBAsyncClient) -> str:
    if connection.capabilities.dialect == "postgres":
        return sql
    return _PLACEHOLDER.sub(r"?\1", sql)


async def rows(sql: str, *params: Any) -> list[dict[str, Any]]:
    """The rows of one statement, as dicts (values as the driver returns them)."""
    connection = _connection()
    result = await connection.execute_query_dict(_for_dialect(sql, connection), list(params))
    return list(result)


async def models(model: type[M], sql: str, *params: Any) -> list[M]:
    """Instances of ``model`` from a statement selecting all of its table's columns."""
    connection = _connection()
    executor = connection.executor_class(model=model, db=connection)
    found = await executor.execute_select(_for_dialect(sql, connection), list(params))
    return list(found)


async def first(model: type[M], sql: str, *params: Any) -> M | None:
    found = await models(model, sql, *params)
    return found[0] if found else None


def model_from_row(model: type[M], row: dict[str, Any]) -> M:
    """An instance of ``model`` from a row holding its table's columns (others are ignored),
    converted as Tortoise converts its own query results."""
    return model._init_from_db(**row)


def python_value(model: type[Model], field: str, value: Any) -> Any:
    """A column read by hand, converted as ``model``'s field converts it (SQLite returns
    datetimes as text)."""
    return model._meta.fields_map[field].to_python_value(value)


def db_value(model: type[Model], field: str, value: Any) -> Any:
    """A parameter for ``model``'s column, converted as Tortoise converts it when it writes
    (so SQLite stores datetimes in the same text form as everywhere else)."""
    # No instance: a plain conversion, without auto_now bookkeeping.
    return model._meta.fields_map[field].to_db_value(value, None)  # type: ignore[arg-type]
