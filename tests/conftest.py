"""Test fixtures: a real database per test (SQLite by default, PostgreSQL when
``HOTLINE_TEST_DATABASE_URL`` is set), settings pointing at a temporary data directory, and
factories with keyword arguments.

The SQLite database is migrated and seeded once per session into a template file that each test
copies; on PostgreSQL the session migrates and seeds once and each test truncates what tests write.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from tortoise import Tortoise

from hotline.db import close_db, init_db
from hotline.settings import Settings
from intake.config import IntakeConfig, intake_config
from intake.workdays import SHANGHAI

POSTGRES_URL = os.environ.get("HOTLINE_TEST_DATABASE_URL", "")
BROKER_URL = os.environ.get("HOTLINE_TEST_BROKER_URL", "")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
_REFERENCE_TABLES = frozenset({"region", "department", "routing_rule", "staff_user"})


def _mutable_tables() -> list[str]:
    """Every table but the reference data seeded once per session (emptied before each test)."""
    models = Tortoise.apps.get_models_iterable() if Tortoise.apps else []
    return sorted(m._meta.db_table for m in models if m._meta.db_table not in _REFERENCE_TABLES)


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": POSTGRES_URL,
        "broker_url": BROKER_URL,
        "secret_key": TEST_SECRET,
        "log_format": "console",
        # Tests run at any hour: with the default 22:00-08:00 (Beijing time) a non-urgent
        # notification written by a test at night waits for the morning. Tests of quiet hours
        # set their own window around the moment they run.
        "quiet_hours": "off",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def _prepare(settings: Settings) -> None:
    """Build the schema from the models and seed it. (The committed migrations are tested on
    their own: tests/test_migrations.py, tests/test_cli.py and tests/e2e apply them.)"""
    from intake.seed import seed

    await init_db(settings)
    try:
        if POSTGRES_URL:
            await Tortoise.get_connection("default").execute_script(
                "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
            )
        await Tortoise.generate_schemas()
        await seed()
    finally:
        await close_db()


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    asyncio.run(_prepare(make_settings(folder)))
    return folder


@pytest.fixture
def settings(tmp_path: Path, template_dir: Path) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if not POSTGRES_URL:
        shutil.copy(template_dir / "hotline.sqlite3", data_dir / "hotline.sqlite3")
    return make_settings(data_dir)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[None]:
    await init_db(settings)
    if POSTGRES_URL:
        connection = Tortoise.get_connection("default")
        await connection.execute_script(
            f"TRUNCATE {', '.join(_mutable_tables())} RESTART IDENTITY CASCADE;"
            "DELETE FROM staff_user WHERE username <> 'admin';"
        )
    try:
        yield
    finally:
        await close_db()


@pytest.fixture
def config(settings: Settings) -> IntakeConfig:
    return intake_config(settings)


@pytest.fixture
def now() -> datetime:
    # A Friday during working hours, far from holidays.
    return datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="session", autouse=True)
def _process_env(tmp_path_factory: pytest.TempPathFactory) -> None:
    """What code reading the process settings (the Celery client that publishes after commit)
    sees: a data directory of the session's own, and the test broker."""
    os.environ["HOTLINE_DATA_DIR"] = str(tmp_path_factory.mktemp("process-data"))
    os.environ["HOTLINE_BROKER_URL"] = BROKER_URL
    os.environ["HOTLINE_SECRET_KEY"] = TEST_SECRET
    if POSTGRES_URL:
        os.environ["HOTLINE_DATABASE_URL"] = POSTGRES_URL


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from hotline.settings import reset_settings_cache
    from intake import events

    reset_settings_cache()
    listeners = list(events._listeners)
    yield
    events._listeners[:] = listeners  # a test that installed notify leaves no listener behind
    reset_settings_cache()
