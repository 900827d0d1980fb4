"""A fake WeChat API: a real HTTP server on 127.0.0.1 that the code reaches through its normal
client (``HOTLINE_WECHAT_API_BASE``).

It issues stable tokens, serves media, records what is sent, and can inject faults: an errcode,
an HTTP status, a delay, a non-JSON answer, or invalidated tokens (40001 on the next call).
Started with a mini-program's AppID it also stands in for the mini-program's side: sign-in
(code2Session, codes from ``issue``) and subscribe messages (``miniprogram_subscribes``).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Fault:
    errcode: int | None = None
    status: int | None = None
    delay: float = 0.0
    body: bytes | None = None


@dataclass
class FakeWechat:
    app_id: str
    secret: str
    sent: list[dict[str, Any]] = field(default_factory=list)  # customer-service messages
    templates: list[dict[str, Any]] = field(default_factory=list)
    subscribes: list[dict[str, Any]] = field(default_factory=list)
    miniprogram_subscribes: list[dict[str, Any]] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # wx.login() code → ids
    menus: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    media_requests: list[str] = field(default_factory=list)
    _faults: dict[str, deque[Fault]] = field(default_factory=dict)
    _token: str = ""
    _issued: int = 0
    _next_msgid: int = 200163836
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # --- control, from the tests --------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail(self, path: str, times: int = 1, **fault: Any) -> None:
        """The next ``times`` calls to ``path`` get ``Fault(**fault)``."""
        with self._lock:
            self._faults.setdefault(path, deque()).extend(Fault(**fault) for _ in range(times))

    def invalidate_tokens(self) -> None:
        """WeChat forgot the current token (as after a forced refresh elsewhere)."""
        with self._lock:
            self._token = "REVOKED-" + self._token

    def issue(self, code: str, *, openid: str, unionid: str = "") -> str:
        """What ``wx.login()`` would give the mini-program user ``openid`` (single use)."""
        with self._lock:
            self.codes[code] = {"openid": openid, "unionid": unionid}
        return code

    def texts_to(self, openid: str) -> list[str]:
        out = []
        for message in self.sent:
            if message["touser"] != openid:
                continue
            if message["msgtype"] == "text":
                out.append(message["text"]["content"])
            elif message["msgtype"] == "msgmenu":
                out.append(message["msgmenu"]["head_content"])
        return out

    def start(self) -> FakeWechat:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                fake._handle(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                fake._handle(self, self.rfile.read(length))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- the API ----------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        url = urlparse(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self._lock:
            queue = self._faults.get(url.path)
            fault = queue.popleft() if queue else None
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                return _send(
                    request, fault.status, fault.body or b"<html>bad gateway</html>", "text/html"
                )
            if fault.body is not None:
                return _send(request, 200, fault.body, "text/plain")
            if fault.errcode is not None:
                return _json(request, {"errcode": fault.errcode, "errmsg": "injected"})
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return _json(request, {"errcode": 47001, "errmsg": "data format error"})
        if url.path == "/cgi-bin/stable_token":
            return _json(request, self._stable_token(data))
        if url.path == "/sns/jscode2session":
            return _json(request, self._code2session(query))
        with self._lock:
            token_ok = bool(self._token) and query.get("access_token") == self._token
        if not token_ok:
            return _json(request, {"errcode": 40001, "errmsg": "invalid credential"})
        handler = {
            "/cgi-bin/message/custom/send": self._custom,
            "/cgi-bin/message/template/send": self._template,
            "/cgi-bin/message/subscribe/bizsend": self._subscribe,
            "/cgi-bin/message/subscribe/send": self._miniprogram_subscribe,
            "/cgi-bin/menu/create": self._menu,
        }.get(url.path)
        if url.path == "/cgi-bin/media/get":
            return self._media(request, query.get("media_id", ""))
        if handler is None:
            return _send(request, 404, b"not found", "text/plain")
        return _json(request, handler(data))

    def _stable_token(self, data: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.token_requests.append(data)
            if data.get("appid") != self.app_id or data.get("secret") != self.secret:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            if data.get("force_refresh") or not self._token or self._token.startswith("REVOKED"):
                self._issued += 1
                self._token = f"TOKEN-{self._issued}"
            return {"access_token": self._token, "expires_in": 7200}

    def _custom(self, data: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.sent.append(data)
        return {"errcode": 0, "errmsg": "ok"}

    def _template(self, data: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.templates.append(data)
            self._next_msgid += 1
            return {"errcode": 0, "errmsg": "ok", "msgid": self._next_msgid}

    def _subscribe(self, data: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.subscribes.append(data)
        return {"errcode": 0, "errmsg": "ok"}

    def _miniprogram_subscribe(self, data: dict[str, Any]) -> dict[str, Any]:
        # As WeChat does: a value longer than its field type allows refuses the whole message.
        limits = {"thing": 20, "phrase": 5, "character_string": 32}
        for key, value in data.get("data", {}).items():
            limit = limits.get(key.rstrip("0123456789"))
            if limit is not None and len(value.get("value", "")) > limit:
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value"}
        with self._lock:
            self.miniprogram_subscribes.append(data)
        return {"errcode": 0, "errmsg": "ok"}

    def _code2session(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("appid") != self.app_id or query.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        with self._lock:
            ids = self.codes.pop(query.get("js_code", ""), None)
        if ids is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        answer = {"openid": ids["openid"], "session_key": "c2Vzc2lvbi1rZXk="}
        if ids["unionid"]:
            answer["unionid"] = ids["unionid"]
        return answer

    def _menu(self, data: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.menus.append(data)
        return {"errcode": 0, "errmsg": "ok"}

    def _media(self, request: BaseHTTPRequestHandler, media_id: str) -> None:
        with self._lock:
            self.media_requests.append(media_id)
            found = self.media.get(media_id)
        if found is None:  # as WeChat does here: an error as JSON, labelled text/plain
            body = json.dumps({"errcode": 40007, "errmsg": "invalid media_id"}).encode()
            return _send(request, 200, body, "text/plain")
        content, content_type = found
        return _send(request, 200, content, content_type)


def _send(request: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)


def _json(request: BaseHTTPRequestHandler, data: dict[str, Any]) -> None:
    # WeChat answers errors as text/plain JSON on some endpoints; the client must cope.
    _send(request, 200, json.dumps(data, ensure_ascii=False).encode(), "application/json")
