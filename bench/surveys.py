"""Callback surveys after a mass closure, on PostgreSQL + Redis.

Setup (not measured): ``--tickets`` replied tickets of WeChat citizens, bulk-inserted, then
closed: ``--sample`` of them through the real path (``intake.operations.close``: the outbox
writes the "closed" notification and its link, and schedules the survey) and the rest by bulk
SQL writing the same rows (compared, row by row, with the sample's). Every "closed" notification
is marked delivered and the Redis database emptied, so only the surveys are left. Then:

1. every survey invitation, due at once (delay 0), is sent by the survey round
   (``notify.surveys.run_round``, what the ``notify.surveys`` beat task runs) until none is
   left: the time until every invitation is enqueued on Redis (target: under 60 s), checked by
   reading the ids back from the queue,
2. a real worker process (``hotline worker --pool=solo``) delivers them to a fake WeChat API:
   deliveries/s over ``--deliveries`` sends.

    python bench/surveys.py --tickets 1000 --sample 100      # smoke run
    python bench/surveys.py --output docs/benchmarks.md

The database's public schema is dropped and rebuilt from the models; the Redis database is
flushed.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and "intake" would import this
# file's neighbours instead of the package; the repository root gives the fake WeChat API.
ROOT = Path(__file__).resolve().parents[1]
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from bench.support import write_section
from channels.app_links import LINK_PATH, LinkConfig
from hotline.crypto import encrypt
from hotline.db import close_db, init_db
from hotline.settings import Settings, reset_settings_cache
from intake import operations, sql
from intake.catalogue import text
from intake.models import ChannelIdentity, Citizen, Department, Ticket
from intake.seed import seed
from intake.workflow import Actor
from notify.models import Notification, Survey
from notify.outbox import install
from notify.surveys import run_round
from tests.channels.fake_wechat import FakeWechat

SECRET = "bench-secret-key-long-enough-for-production-0123456789"
APP_ID, APP_SECRET, TOKEN = "wxbenchsurveys0001", "bench-app-secret-0123456789abcdef", "BenchToken"
STAFF = Actor("staff", "bench")
BATCH = 5000


def _environment(args: argparse.Namespace, data_dir: Path, wechat_api: str) -> dict[str, str]:
    """The settings of this process (it publishes to the broker) and of the worker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        HOTLINE_MODE="production",
        HOTLINE_DATA_DIR=str(data_dir),
        HOTLINE_DATABASE_URL=args.database_url,
        HOTLINE_BROKER_URL=args.broker_url,
        HOTLINE_SECRET_KEY=SECRET,
        HOTLINE_LOG_LEVEL="WARNING",
        HOTLINE_QUIET_HOURS="off",
        HOTLINE_SURVEY_DELAY_MINUTES="0",
        HOTLINE_WECHAT_ENABLED="true",
        HOTLINE_WECHAT_TOKEN=TOKEN,
        HOTLINE_WECHAT_APP_ID=APP_ID,
        HOTLINE_WECHAT_APP_SECRET=APP_SECRET,
        HOTLINE_WECHAT_API_BASE=wechat_api,
        HOTLINE_SMS_PROVIDER="",  # production mode: off, WeChat is the only channel here
        HOTLINE_VOICE_ASR_ENGINE="none",
    )
    return env


async def _create_tickets(settings: Settings, count: int) -> None:
    """Setup: ``count`` replied tickets, each of its own WeChat citizen, in bulk."""
    await Tortoise.get_connection("default").execute_script(
        "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
    )
    await Tortoise.generate_schemas()
    await seed()
    department = await Department.filter(code__contains="urban").first() or await Department.first()
    assert department is not None
    phone = encrypt("13800138000", secret_key=settings.secret_key)
    day = datetime.now(UTC)
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        await Citizen.bulk_create([Citizen() for _ in range(size)])
        newest = await Citizen.filter().order_by("-id").limit(size).values_list("id", flat=True)
        citizens = sorted(int(str(c)) for c in newest)
        await ChannelIdentity.bulk_create(
            [
                ChannelIdentity(channel="wechat", external_id=f"oBench{cid:022d}", citizen_id=cid)
                for cid in citizens
            ]
        )
        await Ticket.bulk_create(
            [
                Ticket(
                    number=f"FZ{day:%Y%m%d}{start + i + 1:06d}",
                    channel="wechat",
                    citizen_id=cid,
                    region_id="FZ",
                    kind="help",
                    category="urban.streetlight",
                    description=f"鼓楼区五一北路{start + i}号门口路灯不亮了一周",
                    location=f"鼓楼区五一北路{start + i}号",
                    contact_phone_encrypted=phone,
                    contact_phone_masked="138****8000",
                    contact_phone_tail="8000",
                    status="replied",
                    department_id=department.id,
                    due_at=day + timedelta(days=10),
                    reply_text="已更换灯具，恢复照明。",
                )
                for i, cid in enumerate(citizens)
            ]
        )


async def _close_sample(count: int) -> float:
    """Close the first ``count`` tickets through intake.operations.close; returns seconds."""
    numbers = await Ticket.all().order_by("id").limit(count).values_list("number", flat=True)
    started = time.perf_counter()
    for number in numbers:
        await operations.close(number=str(number), actor=STAFF, now=datetime.now(UTC))
    return time.perf_counter() - started


async def _close_rest(settings: Settings) -> float:
    """Close every other ticket as ``operations.close`` does, in bulk SQL: the ticket, its
    "close" event, the link and the "closed" notification the outbox writes, the survey it
    schedules. Returns seconds."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    config = LinkConfig.of(settings)
    send_at = now + timedelta(minutes=settings.survey_delay_minutes)
    async with in_transaction():
        moved = await sql.rows(
            "UPDATE ticket SET status = 'closed', closed_at = $1, updated_at = $1 "
            "WHERE status = 'replied' RETURNING id, number",
            now,
        )
        moved.sort(key=lambda row: int(row["id"]))
        ids = [int(row["id"]) for row in moved]
        events = await sql.rows(
            "INSERT INTO ticket_event (ticket_id, action, from_status, to_status, actor_type, "
            "actor_id, public_note, internal_note, created_at) "
            "SELECT t, 'close', 'replied', 'closed', $2, $3, $4, '', $5 "
            "FROM unnest($1::int[]) AS t RETURNING id, ticket_id",
            ids,
            STAFF.kind,
            STAFF.id,
            text("timeline.closed"),
            now,
        )
        event_of = {int(row["ticket_id"]): int(row["id"]) for row in events}
        tokens = [secrets.token_urlsafe(24) for _ in ids]
        await sql.rows(
            "INSERT INTO ticket_link (ticket_id, token_digest, expires_at, created_at) "
            "SELECT t, d, $3, $4 FROM unnest($1::int[], $2::text[]) AS u(t, d)",
            ids,
            [hashlib.sha256(token.encode()).hexdigest() for token in tokens],
            now + timedelta(days=config.days),
            now,
        )
        links = [f"{config.public_base_url}{LINK_PATH}{token}" for token in tokens]
        await sql.rows(
            "INSERT INTO notification (ticket_id, purpose, dedup_key, text, link, buttons, "
            "urgent, status, channel, tried, attempts, not_before, last_error, created_at, "
            "sent_at) SELECT t, 'closed', k, x, l, '[]', false, 'sent', 'wechat', '[]', 0, $5, "
            "'', $5, $5 FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) "
            "AS u(t, k, x, l)",
            ids,
            [f"event:{event_of[i]}:closed" for i in ids],
            [
                text("notify.closed", number=row["number"], link=link)
                for row, link in zip(moved, links, strict=True)
            ],
            links,
            now,
        )
        await sql.rows(
            "INSERT INTO survey (ticket_id, closure_no, status, channel, stage, send_at, "
            "reminders_sent, clarifications, comment) "
            "SELECT t, 1, 'scheduled', '', 'resolved', $2, 0, 0, '' FROM unnest($1::int[]) AS t",
            ids,
            send_at,
        )
    return time.perf_counter() - started


async def _footprints(ticket_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What closing left behind for each ticket, with what must differ (ids, numbers, link
    tokens, times) replaced by placeholders."""
    prints: dict[int, dict[str, Any]] = {i: {} for i in ticket_ids}
    tables = {
        "ticket": "id",
        "ticket_event": "ticket_id",
        "ticket_link": "ticket_id",
        "notification": "ticket_id",
        "survey": "ticket_id",
    }
    numbers = {
        int(row["id"]): row["number"]
        for row in await sql.rows("SELECT id, number FROM ticket WHERE id = ANY($1)", ticket_ids)
    }
    for table, key in tables.items():
        found = await sql.rows(
            f"SELECT * FROM {table} WHERE {key} = ANY($1) ORDER BY id", ticket_ids
        )
        for row in found:
            owner = int(row[key])
            prints[owner].setdefault(table, []).append(_normalized(row, numbers[owner]))
    return prints


_PER_TICKET = {"id", "ticket_id", "citizen_id", "description", "location", "token_digest"}


def _normalized(row: dict[str, Any], number: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        if name in _PER_TICKET:
            continue
        if isinstance(value, datetime):
            value = "<time>"
        elif isinstance(value, str):
            value = value.replace(number, "<number>")
            value = re.sub(re.escape(LINK_PATH) + r"[\w-]+", LINK_PATH + "<token>", value)
            value = re.sub(r"^event:\d+:", "event:<id>:", value)
        out[name] = value
    return out


async def _assert_same_rows(sample: int, tickets: int) -> int:
    """The sample closed for real and a spread of bulk-closed tickets left the same rows."""
    ids = [int(str(i)) for i in await Ticket.all().order_by("id").values_list("id", flat=True)]
    real, bulk = ids[:sample], ids[sample :: max(1, (tickets - sample) // 1000)]
    prints = await _footprints(real + bulk)
    reference = prints[real[0]]
    assert set(reference) == {"ticket", "ticket_event", "ticket_link", "notification", "survey"}
    for ticket_id in real + bulk:
        assert prints[ticket_id] == reference, (ticket_id, prints[ticket_id], reference)
    return len(bulk)


async def _send_surveys(settings: Settings) -> tuple[float, int]:
    """Run survey rounds (a round goes on while surveys are due, within its time budget)
    until no survey is left to send; (seconds, rounds)."""
    started = time.perf_counter()
    rounds = 0
    while await Survey.filter(status="scheduled").exists():
        await run_round(settings=settings, now=datetime.now(UTC))
        rounds += 1
    return time.perf_counter() - started, rounds


def _queued(broker_url: str) -> tuple[int, list[int]]:
    """(messages, notification ids) waiting on Redis: every one a ``notify.deliver_batch``."""
    client = redis.Redis.from_url(broker_url)
    ids: list[int] = []
    messages = client.lrange("hotline", 0, -1)
    for raw in messages:
        message = json.loads(raw)
        assert message["headers"]["task"] == "notify.deliver_batch", message["headers"]["task"]
        args, _, _ = json.loads(base64.b64decode(message["body"]))
        ids += args[0]
    return len(messages), ids


async def _count_sent() -> int:
    return await Notification.filter(status="sent", purpose="survey").count()


async def _measure_worker(env: dict[str, str], deliveries: int, folder: Path) -> dict[str, float]:
    """A real worker process delivers from the queue; deliveries/s once it is warm."""
    log = (folder / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "hotline", "worker", "--pool=solo", "--concurrency=1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while await _count_sent() < 20:  # started and warm: token fetched, code loaded
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker did not deliver: see {folder / 'worker.log'}")
            await asyncio.sleep(0.2)
        first, started = await _count_sent(), time.perf_counter()
        while (sent := await _count_sent()) - first < deliveries:
            if worker.poll() is not None or time.perf_counter() - started > 600:
                raise SystemExit(f"the worker stopped early: see {folder / 'worker.log'}")
            await asyncio.sleep(0.5)
        elapsed = time.perf_counter() - started
        return {"deliveries": sent - first, "seconds": elapsed, "per_s": (sent - first) / elapsed}
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def _markdown(args: argparse.Namespace, results: dict[str, float], load: float) -> str:
    surveys_per_s = args.tickets / results["survey_seconds"]
    verdict = "met" if results["survey_seconds"] < 60 else "missed"
    return (
        "### surveys after a mass closure on PostgreSQL + Redis (bench/surveys.py)\n\n"
        f"`python bench/surveys.py --tickets {args.tickets} --sample {args.sample} "
        f"--deliveries {args.deliveries}` — PostgreSQL, Redis, the bench and the worker on "
        f"the same machine, {datetime.now(UTC):%Y-%m-%d}, 1-minute load average {load:.1f} "
        "before the run (other work on the machine shares its two cores).\n\n"
        "Setup, not measured: the tickets are bulk-inserted replied, "
        f"{args.sample} are closed through `operations.close` "
        f"({results['close_seconds']:.1f} s) and the other {args.tickets - args.sample} by bulk "
        f"SQL writing the same rows ({results['bulk_close_seconds']:.1f} s: the ticket, its "
        'event, the link and the "closed" notification, marked delivered, and the survey due '
        f"now); the sample and {results['compared']:.0f} bulk-closed tickets were compared row "
        "by row (ids, numbers, link tokens and times aside) and are identical.\n\n"
        "| phase | count | seconds | per second |\n|---|---|---|---|\n"
        f"| every survey invitation enqueued on Redis (`run_round`, "
        f"{results['survey_rounds']:.0f} round(s)) | {args.tickets} | "
        f"{results['survey_seconds']:.1f} | {surveys_per_s:,.0f} |\n"
        f"| `notify.deliver_batch` messages then waiting on Redis (ids read back: "
        f"{results['queued_ids']:.0f}) | {results['queued']:.0f} | | |\n"
        f"| deliveries by one worker process (solo) to the fake WeChat API | "
        f"{results['deliveries']:.0f} | {results['delivery_seconds']:.1f} | "
        f"{results['deliveries_per_s']:.1f} |\n\n"
        f"Target: every survey enqueued within 60 s: {verdict}. The round works in batches of "
        "500 surveys, each one transaction of a few set statements (claim with `FOR UPDATE "
        "SKIP LOCKED`, the tickets' `surveyed` transition, their events, the notifications), "
        "published after commit as `notify.deliver_batch` tasks of 250 ids; it keeps going "
        "while surveys are due, for up to 45 s a beat tick. "
        f"At {results['deliveries_per_s']:.0f} deliveries/s a worker process sends "
        f"{results['deliveries_per_s'] * 3600:,.0f} messages an hour.\n"
    )


async def _run(args: argparse.Namespace, env: dict[str, str], folder: Path) -> dict[str, float]:
    settings = Settings()  # from the environment just set: the publisher uses the same
    await init_db(settings)
    try:
        started = time.perf_counter()
        await _create_tickets(settings, args.tickets)
        print(f"setup: {args.tickets} tickets in {time.perf_counter() - started:.1f} s")
        install(settings)
        close_seconds = await _close_sample(args.sample)
        bulk_seconds = await _close_rest(settings)
        # The closures' news counts as delivered: only the surveys are left to send.
        await Notification.filter(purpose="closed").update(
            status="sent", channel="wechat", sent_at=datetime.now(UTC)
        )
        compared = await _assert_same_rows(args.sample, args.tickets)
        redis.Redis.from_url(args.broker_url).flushdb()
        print(
            f"closed {args.sample} in {close_seconds:.1f} s, the rest in bulk in "
            f"{bulk_seconds:.1f} s; {compared} compared with the sample"
        )
        survey_seconds, rounds = await _send_surveys(settings)
        print(f"surveys enqueued in {survey_seconds:.1f} s ({rounds} rounds)")
        queued, ids = _queued(args.broker_url)
        print(f"{queued} batches of {len(ids)} deliveries waiting on Redis")
        invitations = await Notification.filter(purpose="survey").values_list("id", flat=True)
        # One invitation per ticket, each published once, nothing missing.
        assert len(invitations) == args.tickets, len(invitations)
        assert sorted(ids) == sorted(int(str(i)) for i in invitations), len(ids)
        delivery = await _measure_worker(env, args.deliveries, folder)
    finally:
        await close_db()
    return {
        "close_seconds": close_seconds,
        "bulk_close_seconds": bulk_seconds,
        "compared": compared,
        "survey_seconds": survey_seconds,
        "survey_rounds": rounds,
        "queued": queued,
        "queued_ids": len(ids),
        "deliveries": delivery["deliveries"],
        "delivery_seconds": delivery["seconds"],
        "deliveries_per_s": delivery["per_s"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bench_surveys"
    )
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument(
        "--sample", type=int, default=1000, help="tickets closed through operations.close"
    )
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    redis.Redis.from_url(args.broker_url).flushdb()
    wechat = FakeWechat(app_id=APP_ID, secret=APP_SECRET)
    wechat.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = _environment(args, Path(folder), wechat.base_url)
            os.environ.update(env)
            reset_settings_cache()
            results = asyncio.run(_run(args, env, Path(folder)))
    finally:
        wechat.stop()
    results["load"] = load
    print(json.dumps(results, indent=2))
    if args.output:
        section = _markdown(args, results, load)
        write_section(args.output, "### surveys after a mass closure on PostgreSQL", section)


if __name__ == "__main__":
    main()
