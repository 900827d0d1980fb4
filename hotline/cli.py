"""The ``hotline`` command. The one module that imports upward (api, intake), inside commands."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from hotline.settings import get_settings

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
    uvicorn.run(
        "api.main:app",
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


@cli.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Worker processes")] = 2,
    pool: Annotated[str, typer.Option(help="prefork | solo | threads")] = "prefork",
) -> None:
    """Run a Celery worker."""
    from hotline.celery_app import app

    app.worker_main(
        [
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
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
