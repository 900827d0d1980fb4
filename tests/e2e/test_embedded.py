"""The README's first command on a fresh data directory: everything runs, and Ctrl-C stops it."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import httpx

from tests.conftest import make_settings
from tests.e2e.helpers import free_port, sender_for, service_env, start, wait_until


def test_hotline_up_runs_api_worker_and_beat_and_stops_cleanly(tmp_path: Path):
    settings = make_settings(tmp_path / "fresh-data", database_url="", broker_url="")
    port = free_port()
    env = service_env(settings, HOTLINE_API_PORT=str(port))
    log = tmp_path / "up.log"
    process = start(["up"], env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: httpx.get(f"{base}/readyz", timeout=2).status_code == 200,
            timeout=60,
            what="the API to be ready",
            log=log,
            process=process,
        )
        output = log.read_text()
        assert "password=" in output and f"{base}/docs" in output
        assert httpx.get(f"{base}/docs", timeout=5).status_code == 200

        filing = {
            "description": "鼓楼区五一北路88号门口路灯坏了一个星期，晚上很黑",
            "contact_phone": "13800138000",
        }
        created = httpx.post(f"{base}/api/v1/tickets", json=filing, timeout=10)
        assert created.status_code == 201, created.text
        number = created.json()["number"]

        # The worker runs real tasks from the embedded broker: make the ticket overdue and ask
        # for a deadline check; the worker puts it under supervision.
        database = settings.data_dir / "hotline.sqlite3"
        with sqlite3.connect(database) as connection:
            connection.execute(
                "UPDATE ticket SET status='dispatched', due_at='2020-01-01 00:00:00+00:00' "
                "WHERE number=?",
                (number,),
            )
        sender_for(settings).send_task("intake.check_deadlines")

        def supervised() -> bool:
            with sqlite3.connect(database) as connection:
                row = connection.execute(
                    "SELECT supervised FROM ticket WHERE number=?", (number,)
                ).fetchone()
            return bool(row and row[0])

        wait_until(
            supervised,
            timeout=60,
            what="the worker to supervise the overdue ticket",
            log=log,
            process=process,
        )
        progress = httpx.get(
            f"{base}/api/v1/progress", params={"number": number, "phone_tail": "8000"}, timeout=5
        ).json()
        assert any("督办" in entry["text"] for entry in progress["timeline"])
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    assert code == 0, log.read_text()[-3000:]
    assert "已停止" in log.read_text()
    # A second start on the same data directory keeps the admin password (printed only once).
    assert log.read_text().count("password=") == 1
