"""Logging: JSON lines in production, readable lines in development.

Every record carries the request id and ticket number of the work in progress (from context
variables), and passes through the filters the caller installs (the PII mask, see ``api.app``).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
ticket_number_var: contextvars.ContextVar[str] = contextvars.ContextVar("ticket_number", default="")


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.ticket_number = ticket_number_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "ticket_number": getattr(record, "ticket_number", ""),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


CONSOLE_FORMAT = (
    "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s%(ticket_number)s] %(message)s"
)


def configure_logging(*, fmt: str, level: str, filters: list[logging.Filter] | None = None) -> None:
    """Install one stderr handler on the root logger (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(CONSOLE_FORMAT))
    handler.addFilter(_ContextFilter())
    for extra in filters or []:
        handler.addFilter(extra)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_hotline", False):
            root.removeHandler(existing)
    handler._hotline = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request's full URL at INFO, and WeChat puts app secrets and access tokens
    # in the query string (code2Session, cgi-bin calls).
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
