"""Running the real service processes from tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from celery import Celery

from hotline.celery_app import celery_config
from hotline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTLINE_")}
    env.update(
        HOTLINE_DATA_DIR=str(settings.data_dir.resolve()),
        HOTLINE_DATABASE_URL=settings.database_url,
        HOTLINE_BROKER_URL=settings.broker_url,
        HOTLINE_SECRET_KEY=settings.secret_key,
        HOTLINE_QUIET_HOURS=settings.quiet_hours,
    )
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "hotline", *args],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    log: Path | None = None,
    interval: float = 0.2,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break  # it died: no point waiting
        try:
            if check():
                return
        except Exception:  # not up yet
            pass
        time.sleep(interval)
    output = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{output}")


def sender_for(settings: Settings) -> Celery:
    """A Celery client for the same broker as the service, to enqueue tasks by name."""
    client = Celery("test-client")
    client.conf.update(celery_config(settings))
    return client
