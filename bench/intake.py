"""Messages/s through ``intake.receive()`` to ticket creation, on SQLite and PostgreSQL.

Each simulated citizen sends a request from the corpus (with a place), a phone number and
"确认": three messages and one ticket. Citizens run concurrently (asyncio tasks sharing the
process's connection pool), as an API process would serve them.

    python bench/intake.py                      # SQLite in a temporary data directory
    python bench/intake.py --database-url postgres://postgres@127.0.0.1:5432/bench
    python bench/intake.py --citizens 300 --concurrency 20 --output docs/benchmarks.md

PostgreSQL: the database's public schema is dropped and rebuilt. Writes a markdown section with
``--output`` (replacing the section of the same backend).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and "intake" would import this
# file instead of the package.
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.support

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime

from tortoise import Tortoise

from bench.support import write_section
from hotline.db import close_db, init_db, migrate_db
from hotline.settings import Settings
from intake.config import intake_config
from intake.messages import IntakeMessage
from intake.models import Ticket
from intake.receive import receive
from intake.seed import seed

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "requests.jsonl"


def _requests() -> list[str]:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    # In-scope requests only, each with a place so that no location question is needed.
    return [
        f"{row['text']}地址：鼓楼区五一北路{i}号"
        for i, row in enumerate(rows)
        if row["scope"] == "in"
    ]


async def _prepare(settings: Settings) -> None:
    if settings.database_url.startswith("postgres"):
        await init_db(settings)
        await Tortoise.get_connection("default").execute_script(
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
        )
        await close_db()
    await migrate_db(settings)
    await init_db(settings)
    await seed()


async def run(settings: Settings, citizens: int, concurrency: int) -> dict[str, float]:
    await _prepare(settings)
    config = intake_config(settings)
    texts = _requests()
    latencies: list[float] = []
    semaphore = asyncio.Semaphore(concurrency)

    async def citizen(index: int) -> None:
        sender = f"bench-{index}"
        turns = [texts[index % len(texts)], f"139{index:08d}", "确认"]
        async with semaphore:
            for turn, text in enumerate(turns):
                started = time.perf_counter()
                await receive(
                    IntakeMessage(
                        channel="bench", sender=sender, external_id=f"{sender}-{turn}", text=text
                    ),
                    config=config,
                    now=datetime.now(UTC),
                )
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(citizen(i) for i in range(citizens)))
    elapsed = time.perf_counter() - started
    tickets = await Ticket.all().count()
    await close_db()
    latencies.sort()
    return {
        "messages": len(latencies),
        "tickets": tickets,
        "seconds": elapsed,
        "messages_per_s": len(latencies) / elapsed,
        "tickets_per_s": tickets / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def _markdown(backend: str, citizens: int, concurrency: int, result: dict[str, float]) -> str:
    return (
        f"### intake.receive() on {backend}\n\n"
        f"`python bench/intake.py` — {citizens} citizens × 3 messages, concurrency "
        f"{concurrency}, one process, {datetime.now(UTC):%Y-%m-%d}.\n\n"
        "| messages | tickets | seconds | messages/s | tickets/s | p50 ms | p99 ms |\n"
        "|---|---|---|---|---|---|---|\n"
        f"| {result['messages']:.0f} | {result['tickets']:.0f} | {result['seconds']:.1f} | "
        f"{result['messages_per_s']:.0f} | {result['tickets_per_s']:.0f} | "
        f"{result['p50_ms']:.1f} | {result['p99_ms']:.1f} |\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--citizens", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder), database_url=args.database_url, log_level="WARNING"
        )
        result = asyncio.run(run(settings, args.citizens, args.concurrency))
    backend = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    print(json.dumps({"backend": backend, **result}, indent=2))
    if args.output:
        section = _markdown(backend, args.citizens, args.concurrency, result)
        write_section(args.output, f"### intake.receive() on {backend}", section)


if __name__ == "__main__":
    main()
