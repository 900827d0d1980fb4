"""Database wiring: the Tortoise config, start-up/shutdown and migrations."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as tortoise_migrate

from hotline.settings import Settings

# Every module holding models of the single "hotline" app. notify/ adds its own later.
MODEL_MODULES = [
    "intake.models",
    "notify.models",
    "intake.mobile_models",
    "channels.models",
    "channels.telegram.models",
    "intake.knowledge.models",
    "channels.voice_models",
]
APP_LABEL = "hotline"


def tortoise_config(settings: Settings) -> dict[str, Any]:
    url = settings.effective_database_url
    if url.startswith("sqlite://") and "journal_mode" not in url:
        # WAL lets the API read while the worker writes; busy_timeout rides out short locks.
        url += ("&" if "?" in url else "?") + "journal_mode=WAL&busy_timeout=10000"
    connection: str | dict[str, Any] = url
    if url.startswith(("postgres://", "asyncpg://")):
        connection = expand_db_url(url)
        connection["credentials"]["reset"] = _keep_session_state
    elif url.startswith("sqlite://"):
        connection = expand_db_url(url)
        connection["engine"] = "hotline.sqlite_engine"  # BEGIN IMMEDIATE (see that module)
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        # Stored in UTC (see hotline.fields.UtcDatetimeField); local time is for display only.
        "use_tz": True,
        "timezone": "UTC",
    }


async def _keep_session_state(connection: object) -> None:
    """The pool's reset between two borrowers, cut to what asyncpg always does anyway (roll
    back a transaction left open, drop listeners).

    asyncpg's default also sends ``CLOSE ALL; UNLISTEN *; RESET ALL`` and releases advisory
    locks: one more round trip after every query, which doubled the CPU of a query here
    (docs/benchmarks.md). Nothing in this project uses cursors outside a transaction, LISTEN,
    session-level SET or advisory locks, so there is no session state to clear.
    """


async def init_db(settings: Settings) -> None:
    """Connect (lazily) and make the models usable from every task of this process."""
    if settings.effective_database_url.startswith("sqlite://"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate_db(settings: Settings) -> None:
    """Apply every committed migration (idempotent)."""
    if settings.effective_database_url.startswith("sqlite://"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        await tortoise_migrate(config=tortoise_config(settings))
    finally:
        await Tortoise.close_connections()


async def ping_db() -> None:
    await connections.get("default").execute_query("SELECT 1")


def __getattr__(name: str) -> Any:
    # For Tortoise's own CLI (`tortoise -c hotline.db.TORTOISE_ORM makemigrations`): the config is
    # built on access, so importing this module never reads settings.
    if name == "TORTOISE_ORM":
        from hotline.settings import get_settings

        return tortoise_config(get_settings())
    raise AttributeError(name)
