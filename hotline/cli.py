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


def main() -> None:
    cli()
