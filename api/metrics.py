"""Prometheus metrics of the API process, served at ``/metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

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
