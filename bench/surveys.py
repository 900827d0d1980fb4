"""Callback surveys after a mass closure, on PostgreSQL + Redis.

Bulk-inserts ``--tickets`` replied tickets of WeChat citizens (setup, not measured), then:

1. closes every one through the real path (``intake.operations.close``: the outbox writes the
   "closed" notification and schedules the survey, its delivery is published to Redis),
2. sends every survey invitation, due at once (delay 0), by running the survey round
   (``notify.surveys.run_round``, what the ``notify.surveys`` beat task runs) back to back until
   none is left: the time until every invitation is enqueued on Redis (target: under 60 s),
3. starts a real worker process (``hotline worker --pool=solo``) against a fake WeChat API and
   measures deliveries/s over ``--deliveries`` sends.

    python bench/surveys.py --tickets 1000            # smoke run
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
import json
import os
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta

import redis
from tortoise import Tortoise

from hotline.crypto import encrypt
from hotline.db import close_db, init_db
from hotline.settings import Settings, reset_settings_cache
from intake import operations
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


async def _close_all(concurrency: int) -> float:
    """Close every ticket through intake.operations.close; returns the seconds it took."""
    numbers = [str(n) for n in await Ticket.all().order_by("id").values_list("number", flat=True)]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for number in numbers:
        queue.put_nowait(number)

    async def closer() -> None:
        while not queue.empty():
            number = queue.get_nowait()
            await operations.close(number=number, actor=STAFF, now=datetime.now(UTC))

    started = time.perf_counter()
    await asyncio.gather(*(closer() for _ in range(concurrency)))
    return time.perf_counter() - started


async def _send_surveys(settings: Settings) -> tuple[float, int]:
    """Run survey rounds back to back until no survey is left to send; (seconds, rounds)."""
    started = time.perf_counter()
    rounds = 0
    while await Survey.filter(status="scheduled").exists():
        await run_round(settings=settings, now=datetime.now(UTC))
        rounds += 1
    return time.perf_counter() - started, rounds


async def _count_sent() -> int:
    return await Notification.filter(status="sent").count()


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
    beat_minutes = results["survey_rounds"]  # one round a minute in production
    verdict = "met" if results["survey_seconds"] < 60 else "missed"
    return (
        "### surveys after a mass closure on PostgreSQL + Redis (bench/surveys.py)\n\n"
        f"`python bench/surveys.py --tickets {args.tickets} --deliveries {args.deliveries} "
        f"--concurrency {args.concurrency}` — PostgreSQL, Redis, the bench and the worker on "
        f"the same machine, {datetime.now(UTC):%Y-%m-%d}, 1-minute load average {load:.1f} "
        "before the run (other work on the machine shares its two cores).\n\n"
        "| phase | count | seconds | per second |\n|---|---|---|---|\n"
        f"| close through `operations.close` ({args.concurrency} at once) | {args.tickets} | "
        f"{results['close_seconds']:.1f} | {args.tickets / results['close_seconds']:.0f} |\n"
        f"| every survey invitation enqueued (`run_round` back to back, "
        f"{results['survey_rounds']:.0f} rounds) | {args.tickets} | "
        f"{results['survey_seconds']:.1f} | {surveys_per_s:.0f} |\n"
        f"| deliveries then waiting on Redis (closed + survey) | {results['queued']:.0f} | | |\n"
        f"| deliveries by one worker process (solo) to the fake WeChat API | "
        f"{results['deliveries']:.0f} | {results['delivery_seconds']:.1f} | "
        f"{results['deliveries_per_s']:.1f} |\n\n"
        f"Target: every survey enqueued within 60 s: {verdict}. "
        f"A round sends at most 1,000 surveys and beat runs it once a minute, so in production "
        f"{args.tickets} surveys due at once take about {beat_minutes:.0f} minutes to go out, "
        f"whatever the speed of one round. At {results['deliveries_per_s']:.0f} deliveries/s a "
        f"worker process sends {results['deliveries_per_s'] * 3600:,.0f} messages an hour.\n"
    )


def _write_section(output: Path, title: str, section: str) -> None:
    text = output.read_text(encoding="utf-8") if output.exists() else "# Benchmarks\n"
    start = text.find(title)
    if start >= 0:
        end = text.find("\n### ", start + len(title))
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    output.write_text(text, encoding="utf-8")


async def _run(args: argparse.Namespace, env: dict[str, str], folder: Path) -> dict[str, float]:
    settings = Settings()  # from the environment just set: the publisher uses the same
    await init_db(settings)
    try:
        started = time.perf_counter()
        await _create_tickets(settings, args.tickets)
        print(f"setup: {args.tickets} tickets in {time.perf_counter() - started:.1f} s")
        install(settings)
        close_seconds = await _close_all(args.concurrency)
        print(f"closed in {close_seconds:.1f} s")
        survey_seconds, rounds = await _send_surveys(settings)
        print(f"surveys enqueued in {survey_seconds:.1f} s ({rounds} rounds)")
        queued = redis.Redis.from_url(args.broker_url).llen("hotline")
        print(f"{queued} deliveries waiting on Redis")
        # One "closed" notification and one survey invitation per ticket, nothing missing.
        assert queued == 2 * args.tickets, queued
        delivery = await _measure_worker(env, args.deliveries, folder)
    finally:
        await close_db()
    return {
        "close_seconds": close_seconds,
        "survey_seconds": survey_seconds,
        "survey_rounds": rounds,
        "queued": queued,
        "deliveries": delivery["deliveries"],
        "delivery_seconds": delivery["seconds"],
        "deliveries_per_s": delivery["per_s"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bench_surveys"
    )
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4, help="closures at once")
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
        _write_section(args.output, "### surveys after a mass closure on PostgreSQL", section)


if __name__ == "__main__":
    main()
