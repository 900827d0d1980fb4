"""The embedded database under two writing processes (the API and the worker share one file)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionWrapper
from tortoise.exceptions import OperationalError

from hotline.sqlite_engine import ImmediateTransactionWrapper


async def _race(transaction_class: type[SqliteTransactionWrapper], path: Path) -> int:
    """A transaction reads, another process writes and commits, then the transaction writes."""
    options = {"journal_mode": "WAL", "busy_timeout": 5000}
    api = SqliteClient(file_path=str(path), connection_name="api", **options)
    worker = SqliteClient(file_path=str(path), connection_name="worker", **options)
    await api.create_connection(with_db=True)
    await worker.create_connection(with_db=True)
    try:
        await api.execute_script("CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)")
        transaction = transaction_class(api)
        await transaction.begin()
        try:
            await transaction.execute_query("SELECT n FROM counter")
            other = asyncio.create_task(worker.execute_query("UPDATE counter SET n = n + 1"))
            await asyncio.sleep(0.3)  # the other writer has committed, or is waiting its turn
            await transaction.execute_query("UPDATE counter SET n = n + 10")
        except Exception:
            await transaction.rollback()
            raise
        await transaction.commit()
        await other
        _, rows = await api.execute_query("SELECT n FROM counter")
        return int(rows[0][0])
    finally:
        await api.close()
        await worker.close()


async def test_a_write_transaction_waits_for_the_other_process_instead_of_failing(tmp_path):
    assert await _race(ImmediateTransactionWrapper, tmp_path / "hotline.sqlite3") == 11


async def test_with_tortoise_s_plain_begin_the_same_race_fails(tmp_path):
    # Why the project's engine exists: this is the 500 a staff action got while the worker
    # was recording a delivery.
    with pytest.raises(OperationalError, match="locked"):
        await _race(SqliteTransactionWrapper, tmp_path / "hotline.sqlite3")
