"""Tortoise's SQLite backend with write transactions that take the write lock when they begin.

Tortoise opens transactions with a plain ``BEGIN``: SQLite then takes the write lock only at the
first write. When another process (the worker, the API) committed in between, that upgrade
fails at once with "database is locked", whatever the busy timeout, and the request ends in a
500. ``BEGIN IMMEDIATE`` takes the lock at the start, so a second writer waits its turn (up to
the busy timeout) instead. Reads outside transactions are unaffected (WAL lets them run during
a write).
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
