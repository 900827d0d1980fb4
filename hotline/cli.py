"""The ``hotline`` command. The one module that imports upward (api, intake), inside commands."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from hotline.settings import get_settings

T = TypeVar("T")

cli = typer.Typer(help="12345 hotline backend", no_args_is_help=True, add_completion=False)


@cli.command()
def up() -> None:
    """Embedded default: migrate, seed, then run the API, a worker and beat together."""
    from hotline.embedded import run_embedded

    raise typer.Exit(run_embedded(get_settings()))


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Run the HTTP API only (production: with a separate worker and beat)."""
    import uvicorn

    settings = get_settings()
    if workers > 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _share_metrics(settings.data_dir / "metrics")
    uvicorn.run(
        "api.main:app",
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


def _share_metrics(default: Path) -> None:
    """Worker processes add up their Prometheus values in one folder (``api.metrics``), emptied
    at start so a restart does not count the old processes again."""
    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or default).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


class WorkerPool(StrEnum):
    # No thread pool: a worker process runs its tasks on one event loop that owns its database
    # connections, so threads would only take turns. Scale with processes.
    prefork = "prefork"
    solo = "solo"


@cli.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Worker processes")] = 2,
    pool: Annotated[WorkerPool, typer.Option(help="prefork, or solo (one process)")] = (
        WorkerPool.prefork
    ),
) -> None:
    """Run a Celery worker."""
    from hotline.celery_app import app

    app.worker_main(
        [
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            f"--pool={pool.value}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@cli.command()
def beat() -> None:
    """Run the Celery beat scheduler."""
    from hotline.celery_app import app

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    schedule = settings.data_dir.resolve() / "celerybeat-schedule"
    app.start(["beat", "--loglevel=INFO", f"--schedule={schedule}"])


@cli.command()
def migrate() -> None:
    """Apply the database migrations."""
    from hotline.db import migrate_db

    asyncio.run(migrate_db(get_settings()))
    typer.echo("数据库迁移完成 / migrations applied")


@cli.command()
def seed() -> None:
    """Seed regions, departments, routing and the admin account (idempotent)."""
    from hotline.bootstrap import seed_database

    report = asyncio.run(seed_database(get_settings()))
    typer.echo(report)


@cli.command()
def triage(
    text: Annotated[str | None, typer.Argument(help="A request in Chinese")] = None,
    jsonl: Annotated[Path | None, typer.Option(help='A JSONL file of {"text": ...}')] = None,
) -> None:
    """Triage one request, or every line of a JSONL file, printing one JSON object each."""
    from intake.triage_output import triage_record

    if (text is None) == (jsonl is None):
        typer.echo("give TEXT or --jsonl FILE", err=True)
        raise typer.Exit(2)
    if text is not None:
        typer.echo(json.dumps(triage_record(text), ensure_ascii=False))
        return
    assert jsonl is not None
    with sys.stdin if str(jsonl) == "-" else jsonl.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                value = row["text"]
                if not isinstance(value, str):
                    raise TypeError("text is not a string")
            except (ValueError, KeyError, TypeError) as exc:
                typer.echo(f"line {number}: {exc}", err=True)
                raise typer.Exit(1) from exc
            typer.echo(json.dumps(triage_record(value), ensure_ascii=False))


# --- WeChat official account ---
wechat_cli = typer.Typer(help="WeChat official account (公众号)", no_args_is_help=True)
cli.add_typer(wechat_cli, name="wechat")


@wechat_cli.command("menu")
def wechat_menu(
    apply: Annotated[
        bool, typer.Option("--apply", help="Install it through the WeChat API")
    ] = False,
) -> None:
    """Print the custom menu; with --apply, install it (needs app id and secret)."""
    from channels.wechat_oa.menu import install_menu, menu

    typer.echo(json.dumps(menu(), ensure_ascii=False, indent=2))
    if apply:
        asyncio.run(install_menu(get_settings()))
        typer.echo("菜单已更新 / menu installed")


# --- telegram ---
telegram_cli = typer.Typer(help="Telegram bot", no_args_is_help=True)
cli.add_typer(telegram_cli, name="telegram")


@telegram_cli.command("webhook")
def telegram_webhook(
    set_: Annotated[
        bool, typer.Option("--set", help="Register the webhook URL and secret, and the menu")
    ] = False,
    delete: Annotated[bool, typer.Option("--delete", help="Remove the webhook")] = False,
) -> None:
    """Show the webhook Telegram has; --set registers ours, --delete removes it."""
    from channels.telegram import admin
    from channels.telegram.config import telegram_config
    from channels.telegram.errors import TelegramError

    config = telegram_config(get_settings())
    try:
        if set_:
            typer.echo(f"webhook set: {asyncio.run(admin.set_webhook(config))}")
        elif delete:
            asyncio.run(admin.delete_webhook(config))
            typer.echo("webhook deleted")
        info = asyncio.run(admin.webhook_info(config))
    except (admin.WebhookRefused, TelegramError) as exc:
        typer.echo(f"telegram: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps(info, ensure_ascii=False, indent=2))


@telegram_cli.command("poll")
def telegram_poll(
    timeout: Annotated[int, typer.Option(help="Long-poll seconds per request")] = 25,
) -> None:
    """Development: receive updates by long polling (no public HTTPS needed). Updates are
    stored and queued like the webhook's: run a worker too (`hotline up` does)."""
    from channels.telegram.polling import run_polling
    from hotline.logging import configure_logging
    from intake.pii import PiiMaskingFilter

    settings = get_settings()
    configure_logging(
        fmt=settings.effective_log_format, level=settings.log_level, filters=[PiiMaskingFilter()]
    )
    raise typer.Exit(asyncio.run(run_polling(settings, timeout=timeout)))


# --- staff accounts ---
staff_cli = typer.Typer(help="Staff accounts (坐席、承办单位账号)", no_args_is_help=True)
cli.add_typer(staff_cli, name="staff")


def _run_with_db(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` against the configured database; a refused change exits 1 with the reason."""
    from hotline.db import close_db, init_db
    from intake.errors import HotlineError

    settings = get_settings()

    async def run() -> T:
        await init_db(settings)
        try:
            return await work()
        finally:
            await close_db()

    try:
        return asyncio.run(run())
    except HotlineError as exc:
        typer.echo(f"未完成 / refused: {exc.message} ({exc.detail})", err=True)
        raise typer.Exit(1) from exc


def _new_password(username: str) -> str:
    from intake.errors import InvalidInput
    from intake.staff import validate_password

    password: str = typer.prompt("密码 / Password", hide_input=True, confirmation_prompt=True)
    try:
        validate_password(password, username=username)
    except InvalidInput as exc:
        typer.echo(f"未完成 / refused: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    return password


@staff_cli.command("add")
def staff_add(
    username: Annotated[str, typer.Argument(help="3-64 of a-z 0-9 . _ -")],
    role: Annotated[str, typer.Option(help="admin | supervisor | operator | department")],
    department: Annotated[
        str | None, typer.Option(help="department code (required for --role department)")
    ] = None,
    display_name: Annotated[str, typer.Option(help="name shown to colleagues")] = "",
) -> None:
    """Create an account; the password is asked twice and never echoed."""
    from intake import staff

    password = _new_password(username)
    account = _run_with_db(
        lambda: staff.create_user(
            username=username,
            password=password,
            role=role,
            department_code=department,
            display_name=display_name,
            by=None,
        )
    )
    where = f" ({account.department_code})" if account.department_code else ""
    typer.echo(f"已创建 / created {account.username}: {account.role}{where}")


@staff_cli.command("password")
def staff_password(username: Annotated[str, typer.Argument()]) -> None:
    """Set a new password (asked twice); the account's tokens are revoked."""
    from intake import staff

    password = _new_password(username)
    _run_with_db(lambda: staff.reset_password(username=username, password=password, by=None))
    typer.echo(f"密码已重置 / password reset for {username}")


@staff_cli.command("list")
def staff_list(
    role: Annotated[str | None, typer.Option(help="only this role")] = None,
    department: Annotated[str | None, typer.Option(help="only this department code")] = None,
) -> None:
    """Every account: username, role, department, active, display name (tab-separated)."""
    from intake import staff

    accounts = _run_with_db(
        lambda: staff.list_users(role=role, department_code=department, limit=100_000)
    )
    for account in accounts:
        state = "active" if account.active else "inactive"
        fields = (account.username, account.role, account.department_code or "-", state)
        typer.echo("\t".join((*fields, account.display_name)))


# --- knowledge ---
knowledge_cli = typer.Typer(help="Knowledge base (知识库)", no_args_is_help=True)
cli.add_typer(knowledge_cli, name="knowledge")
FileArgument = Annotated[Path, typer.Argument(dir_okay=False, help="a .csv or .jsonl file")]


@knowledge_cli.command("import")
def knowledge_import(file: FileArgument) -> None:
    """Import items from FILE. Every row is checked first: one bad row and nothing changes."""
    from hotline.db import close_db, init_db
    from intake.knowledge import importer
    from intake.knowledge.service import region_codes

    settings = get_settings()

    async def run() -> importer.ImportReport:
        text = file.read_text(encoding="utf-8-sig")  # Excel writes a byte-order mark
        await init_db(settings)
        try:
            rows = importer.parse(
                text, fmt=importer.file_format(file), regions=await region_codes()
            )
            with typer.progressbar(length=len(rows), label="导入 / importing") as bar:
                return await importer.apply(rows, editor=f"import:{file.name}", progress=bar.update)
        finally:
            await close_db()

    try:
        report = asyncio.run(run())
    except importer.ImportRejected as exc:
        typer.echo(f"{file}: 未导入 / nothing imported, {len(exc.problems)} bad row(s):", err=True)
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"导入完成 / imported {report.rows} rows: {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged"
    )


@knowledge_cli.command("export")
def knowledge_export(file: FileArgument) -> None:
    """Write every item (retired ones too) to FILE, in a form that imports back unchanged."""
    from hotline.db import close_db, init_db
    from intake.knowledge import importer

    settings = get_settings()
    try:
        fmt = importer.file_format(file)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc

    async def run() -> tuple[str, int]:
        await init_db(settings)
        try:
            return await importer.export_text(fmt=fmt)
        finally:
            await close_db()

    text, count = asyncio.run(run())
    file.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
    typer.echo(f"导出完成 / exported {count} items to {file}")


# --- end knowledge ---


def main() -> None:
    cli()
