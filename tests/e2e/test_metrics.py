"""``hotline serve --workers 2``: a scrape of /metrics counts every worker's requests, not only
those of the process that happened to answer it."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import httpx

from tests.e2e.helpers import free_port, service_env, start, wait_until

HEALTHZ = re.compile(
    r'^hotline_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$', re.M
)


def test_metrics_add_up_over_worker_processes(db, settings, tmp_path: Path):
    port = free_port()
    log = tmp_path / "api.log"
    api = start(["serve", "--port", str(port), "--workers", "2"], service_env(settings), log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200,
            timeout=60,
            what="the API",
            log=log,
            process=api,
        )
        for _ in range(60):
            # A new connection each time: the kernel spreads them over both workers.
            with httpx.Client(timeout=5) as client:
                response = client.get(f"{url}/healthz")
            assert response.status_code == 200
        workers = set(re.findall(r"Started server process \[(\d+)\]", log.read_text()))
        assert len(workers) == 2, log.read_text()[-2000:]
        time.sleep(0.2)  # the last request's counter is written after its response
        totals = []
        for _ in range(6):
            with httpx.Client(timeout=5) as client:
                scrape = client.get(f"{url}/metrics").text
            match = HEALTHZ.search(scrape)
            assert match, scrape[:2000]
            totals.append(float(match.group(1)))
        # 60 plus the readiness polls before them, the same whichever worker answers.
        assert len(set(totals)) == 1 and totals[0] >= 61, totals
    finally:
        api.send_signal(signal.SIGTERM)
        api.wait(timeout=30)
