"""Messages/s and latency of the WeChat webhook, driven over HTTP like WeChat drives it.

Many distinct citizens hold whole conversations at once (a request with its place, a phone
number, "确认", then "查询 <ticket number>", which must answer with that number), so every turn
reads and writes conversation state. Every push is signed with the account's token (and
encrypted with ``--aes-key``: safe mode). ``--concurrency`` citizens talk at once, each on its
own kept-alive HTTP/1.1 connection (a closed loop: a citizen's next message leaves when the
previous reply is in).

The script prepares a fresh database (``hotline migrate`` and ``hotline seed`` in a temporary
data folder; on PostgreSQL the database is created if missing and its public schema dropped and
rebuilt first), starts the real server (``python -m hotline serve --workers N``), warms it up,
measures, and stops it. Server CPU per message is read from /proc (the server and its worker
processes). ``--peer werobot`` then measures, in the same run and with the same driver, a
WeRoBot bot holding the same conversation in WeRoBot's default session storage (a SQLite file;
``bench/werobot_peer.py``) under gunicorn with as many worker processes. The peer needs the
``bench`` extra: ``pip install -e '.[bench]'``.

    # SQLite, one API process
    python bench/wechat_webhook.py --database sqlite --citizens 500 --output docs/benchmarks.md
    # PostgreSQL, two API processes, and the WeRoBot peer with two gunicorn workers
    python bench/wechat_webhook.py \
        --database-url postgres://postgres@127.0.0.1:5432/bench_wechat --workers 2 \
        --peer werobot --citizens 500 --output docs/benchmarks.md
    # a server already running (its token; --server-pid to count its CPU)
    python bench/wechat_webhook.py --url http://127.0.0.1:8765 --token BenchToken2024

The load generator is a bare asyncio HTTP/1.1 client: httpx would spend more CPU than the
server on a two-core machine and measure itself. A reply that is not ready in WeChat's 5 s is
counted ("over 5 s"), and so is a deferred one (the webhook answered ``success`` and sends the
reply later by customer-service message).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and "intake" would import this
# file's neighbours instead of the package.
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.support

import argparse
import asyncio
import base64
import hashlib
import itertools
import json
import os
import random
import re
import statistics
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit
from xml.etree.ElementTree import ParseError, fromstring

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bench.support import cpu_seconds, free_port, write_section

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "requests.jsonl"
FALLBACK = ["小区门口的路灯坏了一个多星期了，晚上很黑，老人出门很危险"]
NUMBER = re.compile(r"[A-Z]{2}\d{14}")
TOKEN = "BenchToken2024"
APP_ID = "wxbench0123456789"
SECRET = "bench-secret-key-long-enough-for-production-0123456789"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/bench_wechat"
_ids = itertools.count(time.time_ns() // 1000)


def requests() -> list[str]:
    """In-scope requests of the shared corpus, questions left out: the knowledge base may answer
    a question at once instead of filing it, and every conversation here must end in a ticket."""
    if not CORPUS.exists():
        return FALLBACK
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    return [r["text"] for r in rows if r["scope"] == "in" and r["kind"] != "consult"]


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def encrypt(plaintext: str, encoding_aes_key: str, app_id: str) -> str:
    """WeChat's safe-mode encryption (see channels/wechat_oa/crypto.py), written out again here
    so the benchmark depends on nothing of the server's."""
    key = base64.b64decode(encoding_aes_key + "=")
    body = plaintext.encode()
    block = os.urandom(16) + struct.pack(">I", len(body)) + body + app_id.encode()
    pad = 32 - len(block) % 32
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(
        encryptor.update(block + bytes([pad]) * pad) + encryptor.finalize()
    ).decode()


# --- a bare HTTP/1.1 keep-alive client -------------------------------------------------------


class Connection:
    """One kept-alive HTTP/1.1 connection, reopened when the server closes it (gunicorn's sync
    workers answer ``Connection: close``) or fails; reopening counts in that message's time."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, target: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"POST {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        try:
            self.writer.write(head.encode() + body)
            await self.writer.drain()
            status, close, payload = await _response(self.reader)
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        return status, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """Status, whether the server closes the connection, and the body."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("connection closed before the status line")
    version, status = status_line.split()[:2]
    length, chunked, close = -1, False, version == b"HTTP/1.0"
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            chunked = "chunked" in value
        elif name == "connection":
            close = "close" in value
    if chunked:
        body = bytearray()
        while size := int((await reader.readline()).split(b";")[0], 16):
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        while (await reader.readline()) not in (b"\r\n", b""):
            pass  # trailers
        return int(status), close, bytes(body)
    if length < 0:  # no length: the body runs to the end of the connection
        return int(status), True, await reader.read()
    return int(status), close, await reader.readexactly(length)


async def _get_status(host: str, port: int, path: str) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        return (await _response(reader))[0]
    finally:
        writer.close()


# --- the conversation --------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    deferred: int = 0
    tickets: int = 0
    lookups_ok: int = 0


@dataclass
class Driver:
    path: str
    token: str
    stats: Stats
    aes_key: str = ""
    app_id: str = ""

    async def say(self, conn: Connection, openid: str, content: str) -> str:
        stamp, nonce = str(int(time.time())), str(random.randint(10**8, 10**9))
        xml = (
            f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{stamp}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{next(_ids)}</MsgId></xml>"
        )
        query = {"signature": sign(self.token, stamp, nonce), "timestamp": stamp, "nonce": nonce}
        if self.aes_key:
            encrypted = encrypt(xml, self.aes_key, self.app_id)
            query.update(
                encrypt_type="aes", msg_signature=sign(self.token, stamp, nonce, encrypted)
            )
            xml = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        started = time.perf_counter()
        try:
            status, body = await conn.post(f"{self.path}?{urlencode(query)}", xml.encode())
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            self.stats.errors += 1
            return ""
        self.stats.latencies.append(time.perf_counter() - started)
        if status != 200 or not body:
            self.stats.errors += 1
            return ""
        if body == b"success":
            self.stats.deferred += 1
            return ""
        try:
            return self._content(body)
        except (ParseError, ValueError, struct.error):
            self.stats.errors += 1
            return ""

    def _content(self, body: bytes) -> str:
        root = fromstring(body)
        if self.aes_key:
            key = base64.b64decode(self.aes_key + "=")
            decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
            raw = decryptor.update(base64.b64decode(root.findtext("Encrypt") or ""))
            raw += decryptor.finalize()
            (length,) = struct.unpack(">I", raw[16:20])
            root = fromstring(raw[20 : 20 + length].decode())
        return root.findtext("Content") or ""


async def citizen(driver: Driver, conn: Connection, index: int, request: str, run: str) -> None:
    openid = f"oBench{run}{index:012d}"[:28]
    await driver.say(conn, openid, f"{request}地址：鼓楼区五一北路{index % 997 + 1}号")
    await driver.say(conn, openid, f"139{index % 10**8:08d}")
    done = await driver.say(conn, openid, "确认")
    number = NUMBER.search(done)
    if number is None:
        return
    driver.stats.tickets += 1
    if number.group(0) in await driver.say(conn, openid, f"查询 {number.group(0)}"):
        driver.stats.lookups_ok += 1


async def drive(
    base: str, path: str, citizens: int, concurrency: int, args: argparse.Namespace, run: str
) -> tuple[Stats, float]:
    """``citizens`` conversations, ``concurrency`` at once; the stats and the seconds taken."""
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    stats = Stats()
    driver = Driver(path, args.token, stats, args.aes_key, args.app_id)
    texts = requests()
    queue = iter(range(citizens))

    async def talker() -> None:
        conn = Connection(host, port)
        try:
            for index in queue:
                await citizen(driver, conn, index, texts[index % len(texts)], run)
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(talker() for _ in range(concurrency)))
    return stats, time.perf_counter() - started


def summary(stats: Stats, elapsed: float) -> dict[str, float]:
    latencies = sorted(stats.latencies) or [0.0]
    return {
        "messages": len(stats.latencies),
        "seconds": elapsed,
        "messages_per_s": len(stats.latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        "max_ms": latencies[-1] * 1000,
        "over_5s": sum(1 for x in latencies if x > 5.0),
        "deferred": stats.deferred,
        "errors": stats.errors,
        "tickets": stats.tickets,
        "lookups_ok": stats.lookups_ok,
    }


# --- servers -----------------------------------------------------------------------------------


def _wait_ready(process: subprocess.Popen[bytes], port: int, path: str, what: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if asyncio.run(_get_status("127.0.0.1", port, path)) < 500:
                return
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            pass
        if process.poll() is not None:
            break
        time.sleep(0.5)
    process.kill()
    raise SystemExit(f"{what} did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _hotline_env(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        HOTLINE_MODE="production",
        HOTLINE_DATA_DIR=str(data_dir),
        HOTLINE_SECRET_KEY=SECRET,
        HOTLINE_LOG_LEVEL=os.environ.get("BENCH_SERVER_LOG_LEVEL", "WARNING"),
        HOTLINE_WECHAT_ENABLED="true",
        HOTLINE_WECHAT_TOKEN=args.token,
        HOTLINE_WECHAT_APP_ID=args.app_id,
        HOTLINE_WECHAT_APP_SECRET="bench-app-secret-0123456789abcdef",
        # Nothing is sent to WeChat in this benchmark (no deferred replies are expected); were
        # one sent, it must not leave the machine.
        HOTLINE_WECHAT_API_BASE="http://127.0.0.1:9",
    )
    if args.aes_key:
        env["HOTLINE_WECHAT_ENCODING_AES_KEY"] = args.aes_key
    if args.database_url:
        env["HOTLINE_DATABASE_URL"] = args.database_url
    if args.broker_url:
        env["HOTLINE_BROKER_URL"] = args.broker_url
    return env


async def _fresh_postgres(url: str) -> None:
    """Create the database if missing, then drop and recreate its public schema."""
    import asyncpg  # the project's PostgreSQL driver (tortoise-orm[asyncpg])

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = await asyncpg.connect(parts._replace(path="/postgres").geturl())
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@contextmanager
def hotline_server(args: argparse.Namespace, folder: Path) -> Iterator[tuple[str, int]]:
    """A fresh database and ``hotline serve``: its base URL and process id."""
    data_dir = folder / "hotline"
    env = _hotline_env(args, data_dir)
    if args.database_url:
        asyncio.run(_fresh_postgres(args.database_url))
    for command in ("migrate", "seed"):
        subprocess.run(
            [sys.executable, "-m", "hotline", command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = free_port()
    cmd = [sys.executable, "-m", "hotline", "serve", "--port", str(port)]
    process = subprocess.Popen([*cmd, "--workers", str(args.workers)], cwd=ROOT, env=env)
    try:
        _wait_ready(process, port, "/readyz", "hotline serve")
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        _stop(process)


@contextmanager
def werobot_server(args: argparse.Namespace, folder: Path) -> Iterator[tuple[str, int]]:
    """bench/werobot_peer.py under gunicorn, its session file in a fresh folder."""
    try:
        import gunicorn  # noqa: F401
        import werobot  # noqa: F401
    except ImportError as exc:
        raise SystemExit("--peer werobot needs the bench extra: pip install -e '.[bench]'") from exc
    cwd = folder / "werobot"
    cwd.mkdir()
    env = {
        **os.environ,
        "BENCH_WEROBOT_TOKEN": args.token,
        "BENCH_WEROBOT_APP_ID": args.app_id,
        "BENCH_WEROBOT_AES_KEY": args.aes_key,
    }
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    cmd += ["--workers", str(args.workers), "--log-level", "warning"]
    cmd += ["--pythonpath", str(ROOT / "bench"), "werobot_peer:app"]
    process = subprocess.Popen(cmd, cwd=cwd, env=env)
    try:
        _wait_ready(process, port, "/", "gunicorn (WeRoBot)")  # unsigned: 403 once up
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        _stop(process)


def measure(
    args: argparse.Namespace, base: str, path: str, pid: int | None, run: str
) -> dict[str, float]:
    warm = min(args.citizens, max(args.concurrency, 20))
    asyncio.run(drive(base, path, warm, args.concurrency, args, f"w{run}"))
    load = os.getloadavg()[0]
    cpu, client = cpu_seconds(pid), time.process_time()
    stats, elapsed = asyncio.run(drive(base, path, args.citizens, args.concurrency, args, run))
    cpu, client = cpu_seconds(pid) - cpu, time.process_time() - client
    result = summary(stats, elapsed)
    result["load_before"] = load
    result["client_cpu_ms"] = 1000 * client / max(1, result["messages"])
    result["server_cpu_ms"] = 1000 * cpu / max(1, result["messages"]) if pid else float("nan")
    return result


# --- report -----------------------------------------------------------------------------------


def _row(name: str, r: dict[str, float]) -> str:
    cpu = "" if r["server_cpu_ms"] != r["server_cpu_ms"] else f"{r['server_cpu_ms']:.1f}"
    return (
        f"| {name} | {r['load_before']:.1f} | {r['messages']:.0f} | {r['messages_per_s']:.0f} "
        f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.0f} | {cpu} "
        f"| {r['client_cpu_ms']:.1f} "
        f"| {r['over_5s']:.0f} | {r['deferred']:.0f} | {r['errors']:.0f} "
        f"| {r['tickets']:.0f} | {r['lookups_ok']:.0f} |\n"
    )


def title(args: argparse.Namespace) -> str:
    return f"### WeChat webhook on {args.label} (bench/wechat_webhook.py)"


def markdown(args: argparse.Namespace, results: dict[str, dict[str, float]]) -> str:
    ours = results["hotline"]
    served = "a running server" if args.url else f"`hotline serve --workers {args.workers}`"
    rows = _row(f"hotline, {served}", ours)
    if "werobot" in results:
        rows += _row(f"WeRoBot 1.13.1, gunicorn --workers {args.workers}", results["werobot"])
    lines = [
        title(args),
        "",
        f"`{args.command}` — {args.citizens} citizens × 4 signed text messages (request with "
        f"its place, phone, 确认, 查询 <number>) over HTTP/1.1 keep-alive, concurrency "
        f"{args.concurrency}{', safe mode' if args.aes_key else ''}, server and load generator "
        f"on the same machine, {datetime.now(UTC):%Y-%m-%d}. `load` is the 1-minute load "
        "average just before the measured phase (other work shares the two cores).",
        "",
        "| server | load | messages | messages/s | p50 ms | p99 ms | max ms "
        "| server CPU ms/message | client CPU ms/message | over 5 s | deferred | errors "
        "| tickets | lookups ok |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    text = "\n".join(lines) + "\n" + rows
    if "werobot" in results:
        peer = results["werobot"]
        ratio = ours["messages_per_s"] / max(peer["messages_per_s"], 1e-9)
        text += (
            f"\nOurs / WeRoBot: {ratio:.2f}× the messages/s, p99 "
            f"{ours['p99_ms']:.0f} ms against {peer['p99_ms']:.0f} ms. WeRoBot keeps the "
            "conversation in its default session storage (one SQLite file shared by the "
            "gunicorn workers, read and committed on every message) and stores no ticket, so "
            "it does less per message than the hotline (dialogue state, ticket, timeline, "
            "dedup of WeChat's retries).\n"
        )
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--database-url", default="", help=f"PostgreSQL (implies --database postgres; {DEFAULT_PG})"
    )
    parser.add_argument("--broker-url", default="", help="HOTLINE_BROKER_URL for the server")
    parser.add_argument("--workers", type=int, help="API processes (1 on SQLite, 2 on PostgreSQL)")
    parser.add_argument("--url", default="", help="a server already running: drive it instead")
    parser.add_argument("--server-pid", type=int, help="with --url: count this process's CPU")
    parser.add_argument("--peer", choices=["werobot"], help="measure this peer in the same run")
    parser.add_argument("--token", default=os.environ.get("HOTLINE_WECHAT_TOKEN", TOKEN))
    parser.add_argument("--aes-key", default="", help="EncodingAESKey: push in safe mode")
    parser.add_argument("--app-id", default=os.environ.get("HOTLINE_WECHAT_APP_ID", APP_ID))
    parser.add_argument("--citizens", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--label", default="", help="section title (default: the database)")
    parser.add_argument("--output", type=Path, help="replace (or add) the section in this file")
    args = parser.parse_args()
    if args.database_url:
        args.database = "postgres"
    elif args.database == "postgres":
        args.database_url = DEFAULT_PG
    if args.workers is None:
        args.workers = 2 if args.database == "postgres" else 1
    if not args.label and args.url:
        args.label = "a running server"
    elif not args.label:
        database = "PostgreSQL" if args.database == "postgres" else "SQLite"
        args.label = f"{database}, {args.workers} worker{'s' if args.workers > 1 else ''}"
    args.command = "python bench/wechat_webhook.py " + " ".join(
        a for a in sys.argv[1:] if not a.startswith("--output") and a != str(args.output)
    )
    run = f"{int(time.time()) % 100000:05d}"
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="wxbench-") as name:
        folder = Path(name)
        if args.url:
            pid = args.server_pid
            results["hotline"] = measure(args, args.url.rstrip("/"), "/channels/wechat", pid, run)
        else:
            with hotline_server(args, folder) as (base, pid):
                results["hotline"] = measure(args, base, "/channels/wechat", pid, run)
        print(json.dumps({"hotline": results["hotline"]}, indent=2), flush=True)
        if args.peer == "werobot":
            with werobot_server(args, folder) as (base, pid):
                results["werobot"] = measure(args, base, "/", pid, run)
            print(json.dumps({"werobot": results["werobot"]}, indent=2), flush=True)
    if "werobot" in results:
        ratio = results["hotline"]["messages_per_s"] / max(
            results["werobot"]["messages_per_s"], 1e-9
        )
        print(f"ours / WeRoBot messages/s: {ratio:.2f}")
    if args.output:
        write_section(args.output, title(args), markdown(args, results))


if __name__ == "__main__":
    main()
