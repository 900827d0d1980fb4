"""Prometheus metrics of the API, served at ``/metrics``.

With several worker processes (``hotline serve --workers N`` sets ``PROMETHEUS_MULTIPROC_DIR``
before they start) each process writes its values to files there and a scrape adds them up:
otherwise every scrape would see whichever process answered it, and counters would jump.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

SHARED_DIR = "PROMETHEUS_MULTIPROC_DIR"

REGISTRY = CollectorRegistry()
HTTP_REQUESTS = Counter(
    "hotline_http_requests_total",
    "HTTP requests",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "hotline_http_request_seconds",
    "HTTP request latency",
    ["route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


TICKETS_FILED = Counter(
    "hotline_tickets_filed_total",
    "Tickets filed through the API and channels",
    ["channel"],
    registry=REGISTRY,
)


def exposition() -> bytes:
    """The text a scrape gets: all processes' values when they share a folder."""
    if os.environ.get(SHARED_DIR):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
