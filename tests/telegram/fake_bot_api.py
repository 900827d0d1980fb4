"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1 that the code reaches through
aiogram's normal client (``TelegramAPIServer.from_base(HOTLINE_TELEGRAM_API_BASE)``).

It answers the methods the channel uses, serves files for getFile, hands out queued updates to
getUpdates, records every call, and can inject faults: an error status with a description (and
``retry_after``), a delay, or a body that is not JSON. Chats can be marked blocked (403) or
unknown (400 chat not found), as Telegram answers for them.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

TOKEN = "123456789:AAHotlineTestToken_abcdefghijklmnopqr"
BOT_ID = 123456789


@dataclass
class Fault:
    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    delay: float = 0.0
    body: bytes | None = None


@dataclass
class FakeBotApi:
    token: str = TOKEN
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id -> (path, data)
    file_requests: list[str] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)  # for getUpdates
    blocked: set[int] = field(default_factory=set)
    unknown_chats: set[int] = field(default_factory=set)
    webhook: dict[str, Any] = field(default_factory=dict)
    _faults: dict[str, deque[Fault]] = field(default_factory=dict)
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # --- control, from the tests --------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail(self, method: str, times: int = 1, **fault: Any) -> None:
        """The next ``times`` calls of ``method`` (e.g. "sendMessage") get ``Fault(**fault)``."""
        with self._lock:
            self._faults.setdefault(method, deque()).extend(Fault(**fault) for _ in range(times))

    def add_file(self, file_id: str, data: bytes, path: str) -> None:
        self.files[file_id] = (path, data)

    def called(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """The sendMessage calls to ``chat_id`` that succeeded, with reply_markup decoded."""
        return [p for p in self.called("sendMessage") if p.get("_ok") and p["chat_id"] == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        return [params["text"] for params in self.sent_to(chat_id)]

    def start(self) -> FakeBotApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._file(self)

            def do_POST(self) -> None:
                fake._method(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- the API ------------------------------------------------------------------------
    def _method(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlparse(handler.path).path
        prefix = f"/bot{self.token}/"
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length)
        if not path.startswith(prefix):
            return _answer(
                handler, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        method = path[len(prefix) :]
        params = _params(handler.headers.get("content-type", ""), body)
        with self._lock:
            self.calls.append((method, params))
            queue = self._faults.get(method)
            fault = queue.popleft() if queue else None
        if fault is not None:
            time.sleep(fault.delay)
            if fault.body is not None:
                return _raw(handler, fault.status, fault.body)
            error: dict[str, Any] = {
                "ok": False,
                "error_code": fault.status,
                "description": fault.description,
            }
            if fault.retry_after is not None:
                error["parameters"] = {"retry_after": fault.retry_after}
            return _answer(handler, fault.status, error)
        status, result = self._result(method, params)
        if status == 200:
            params["_ok"] = True
            return _answer(handler, 200, {"ok": True, "result": result})
        return _answer(handler, status, {"ok": False, "error_code": status, "description": result})

    def _result(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        if method == "getMe":
            return 200, {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "12345",
                "username": "hotline12345_bot",
            }
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            params["chat_id"] = chat_id
            if chat_id in self.blocked:
                return 403, "Forbidden: bot was blocked by the user"
            if chat_id in self.unknown_chats:
                return 400, "Bad Request: chat not found"
            if "reply_markup" in params:
                params["reply_markup"] = json.loads(params["reply_markup"])
            return 200, self._message(chat_id, params["text"])
        if method == "editMessageReplyMarkup":
            return 200, self._message(int(params["chat_id"]), "")
        if method == "getFile":
            stored = self.files.get(params.get("file_id", ""))
            if stored is None:
                return 400, "Bad Request: invalid file_id"
            file_path, data = stored
            return 200, {
                "file_id": params["file_id"],
                "file_unique_id": "u" + params["file_id"],
                "file_size": len(data),
                "file_path": file_path,
            }
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self._lock:
                ready = [u for u in self.updates if u["update_id"] >= offset]
            if not ready:  # a long poll with nothing to say: wait a little, as Telegram does
                time.sleep(min(float(params.get("timeout") or 0), 0.5))
            return 200, ready
        if method == "setWebhook":
            self.webhook = {key: value for key, value in params.items() if not key.startswith("_")}
            return 200, True
        if method == "deleteWebhook":
            self.webhook = {}
            return 200, True
        if method == "getWebhookInfo":
            return 200, {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        if method in ("answerCallbackQuery", "setMyCommands"):
            return 200, True
        return 404, f"Not Found: method {method} not faked"

    def _message(self, chat_id: int, text: str) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "12345"},
            "text": text,
        }

    def _file(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlparse(handler.path).path
        prefix = f"/file/bot{self.token}/"
        by_path = {stored_path: data for stored_path, data in self.files.values()}
        if not path.startswith(prefix) or path[len(prefix) :] not in by_path:
            return _raw(handler, 404, b"Not Found")
        with self._lock:
            self.file_requests.append(path[len(prefix) :])
        return _raw(handler, 200, by_path[path[len(prefix) :]])


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        return dict(json.loads(body or b"{}"))
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        return {
            part.get_param("name", header="content-disposition"): part.get_content()
            for part in message.iter_parts()
        }
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def _answer(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
    _raw(handler, status, json.dumps(payload).encode(), "application/json")


def _raw(
    handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str = "text/plain"
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
