"""The embedded default: one command runs everything on this machine, nothing else installed.

SQLite under the data directory, kombu's filesystem broker, the API, one Celery worker and beat,
as child processes of this one. Ctrl-C (or SIGTERM) stops them all and waits for them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from types import FrameType

from hotline.bootstrap import seed_database
from hotline.db import migrate_db
from hotline.settings import Settings


def _child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    # Children must agree on where the data lives whatever their working directory.
    env["HOTLINE_DATA_DIR"] = str(settings.data_dir.resolve())
    return env


def run_embedded(settings: Settings) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(migrate_db(settings))
    print(asyncio.run(seed_database(settings)), flush=True)
    env = _child_env(settings)
    hotline = [sys.executable, "-m", "hotline"]
    commands = {
        "api": [*hotline, "serve"],
        "worker": [*hotline, "worker", "--pool=solo", "--concurrency=1"],
        "beat": [*hotline, "beat"],
    }
    children = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}
    base = f"http://{settings.api_host}:{settings.api_port}"
    print(
        f"12345 热线服务已启动 / running: API {base}  docs {base}/docs  "
        f"(data: {settings.data_dir.resolve()}); Ctrl-C to stop",
        flush=True,
    )

    stopping = False

    def stop(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"{name} exited with {child.returncode}; stopping", file=sys.stderr)
                exit_code = child.returncode or 1
                stopping = True
        time.sleep(0.3)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    print("已停止 / stopped", flush=True)
    return exit_code
