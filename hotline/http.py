"""Outbound HTTP clients (WeChat, SMS, S3): one TLS context for the whole process.

An ``httpx.AsyncClient`` built without one loads the CA bundle again: 75–190 ms of CPU here,
more than the call it makes. Clients are short-lived (a Celery task runs its own event loop,
and a client belongs to one loop), so the context, which any loop or thread may share, is what
is kept.
"""

from __future__ import annotations

import ssl
from functools import cache
from typing import Any

import certifi
import httpx


@cache
def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def async_client(**options: Any) -> httpx.AsyncClient:
    """``httpx.AsyncClient(**options)`` verifying servers with the shared TLS context."""
    return httpx.AsyncClient(verify=tls_context(), **options)
