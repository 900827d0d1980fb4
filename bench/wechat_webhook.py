"""Messages/s and latency of the WeChat webhook, driven over HTTP like WeChat drives it.

Many distinct citizens hold whole conversations at once (a request with its place, a phone
number, "确认", then "查询 <ticket number>"), every push signed with the account's token (and
encrypted with ``--aes-key``). Run it against a server started separately, for example:

    # SQLite, one API process
    export HOTLINE_DATA_DIR=/tmp/wxbench HOTLINE_WECHAT_ENABLED=true \
           HOTLINE_WECHAT_TOKEN=BenchToken2024 HOTLINE_LOG_LEVEL=WARNING
    hotline migrate && hotline seed && hotline serve --port 8765
    # PostgreSQL, two API processes
    HOTLINE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/wxbench ... hotline serve --workers 2

    python bench/wechat_webhook.py --url http://127.0.0.1:8765 --token BenchToken2024 \
        --citizens 500 --concurrency 50 [--label "SQLite"] [--output docs/benchmarks.md]

A reply that is not ready in WeChat's 5 s is counted ("over 5 s"), and so is a deferred one
(the webhook answered ``success`` and sends it later by customer-service message).
"""

from __future__ import annotations

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
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import fromstring

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "requests.jsonl"
FALLBACK = ["小区门口的路灯坏了一个多星期了，晚上很黑，老人出门很危险"]
NUMBER = re.compile(r"[A-Z]{2}\d{14}")
_ids = itertools.count(time.time_ns() // 1000)


def requests_with_places() -> list[str]:
    if not CORPUS.exists():
        return [f"{text}地址：鼓楼区五一北路88号" for text in FALLBACK]
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    return [
        f"{r['text']}地址：鼓楼区五一北路{i}号" for i, r in enumerate(rows) if r["scope"] == "in"
    ]


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


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    deferred: int = 0
    tickets: int = 0
    lookups_ok: int = 0


@dataclass
class Driver:
    url: str
    token: str
    http: httpx.AsyncClient
    stats: Stats
    aes_key: str = ""
    app_id: str = ""

    async def say(self, openid: str, content: str) -> str:
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
            response = await self.http.post(
                f"{self.url}/channels/wechat", params=query, content=xml
            )
        except httpx.HTTPError:
            self.stats.errors += 1
            return ""
        self.stats.latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            self.stats.errors += 1
            return ""
        if response.text == "success":
            self.stats.deferred += 1
            return ""
        return self._content(response.text)

    def _content(self, body: str) -> str:
        root = fromstring(body)
        if self.aes_key:
            key = base64.b64decode(self.aes_key + "=")
            decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
            raw = decryptor.update(base64.b64decode(root.findtext("Encrypt") or ""))
            raw += decryptor.finalize()
            (length,) = struct.unpack(">I", raw[16:20])
            root = fromstring(raw[20 : 20 + length].decode())
        return root.findtext("Content") or ""


async def citizen(driver: Driver, index: int, request: str, run: str) -> None:
    openid = f"oBench{run}{index:012d}"[:28]
    await driver.say(openid, request)
    await driver.say(openid, f"139{index % 10**8:08d}")
    done = await driver.say(openid, "确认")
    number = NUMBER.search(done)
    if number is None:
        return
    driver.stats.tickets += 1
    if number.group(0) in await driver.say(openid, f"查询 {number.group(0)}"):
        driver.stats.lookups_ok += 1


async def run(args: argparse.Namespace) -> dict[str, float]:
    stats = Stats()
    texts = requests_with_places()
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        driver = Driver(args.url.rstrip("/"), args.token, http, stats, args.aes_key, args.app_id)
        semaphore = asyncio.Semaphore(args.concurrency)
        run_id = f"{int(time.time()) % 100000:05d}"

        async def one(index: int) -> None:
            async with semaphore:
                await citizen(driver, index, texts[index % len(texts)], run_id)

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(args.citizens)))
        elapsed = time.perf_counter() - started
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


def markdown(label: str, args: argparse.Namespace, r: dict[str, float]) -> str:
    return (
        f"### WeChat webhook on {label}\n\n"
        f"`python bench/wechat_webhook.py` — {args.citizens} citizens × 4 signed messages over "
        f"HTTP, concurrency {args.concurrency}{', safe mode' if args.aes_key else ''}, "
        f"{datetime.now(UTC):%Y-%m-%d}.\n\n"
        "| messages | messages/s | p50 ms | p99 ms | max ms | over 5 s | deferred | errors "
        "| tickets |\n|---|---|---|---|---|---|---|---|---|\n"
        f"| {r['messages']:.0f} | {r['messages_per_s']:.0f} | {r['p50_ms']:.0f} | "
        f"{r['p99_ms']:.0f} | {r['max_ms']:.0f} | {r['over_5s']:.0f} | {r['deferred']:.0f} | "
        f"{r['errors']:.0f} | {r['tickets']:.0f} |\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", default=os.environ.get("HOTLINE_WECHAT_TOKEN", ""))
    parser.add_argument("--aes-key", default="", help="EncodingAESKey: push in safe mode")
    parser.add_argument("--app-id", default=os.environ.get("HOTLINE_WECHAT_APP_ID", ""))
    parser.add_argument("--citizens", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--label", default="a running server")
    parser.add_argument("--output", type=Path, help="append/replace a markdown section here")
    args = parser.parse_args()
    if not args.token:
        parser.error("--token (or HOTLINE_WECHAT_TOKEN) is required")
    result = asyncio.run(run(args))
    print(json.dumps({"label": args.label, **result}, indent=2))
    if args.output:
        section = markdown(args.label, args, result)
        title = f"### WeChat webhook on {args.label}"
        text = args.output.read_text(encoding="utf-8") if args.output.exists() else "# Benchmarks\n"
        start = text.find(title)
        if start >= 0:
            end = text.find("\n### ", start + len(title))
            text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
        else:
            text = text.rstrip("\n") + "\n\n" + section
        args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
