"""Real local HTTP servers standing in for the outside services the mobile backend calls:
WeChat's code2Session, Alibaba Cloud SMS (SendSms) and an S3-compatible object store.

Each checks what the real one checks (app secret, request signature) and records what it got,
so the code under test reaches them through its normal HTTP clients.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlparse

from channels.sms.aliyun import signature as aliyun_signature
from intake.s3 import authorization as s3_authorization


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"


def _json(status: int, payload: object) -> Answer:
    return Answer(status, json.dumps(payload, ensure_ascii=False).encode())


@dataclass
class FakeServer:
    """A threaded HTTP server on 127.0.0.1 whose ``handle`` the subclasses write."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    faults: deque[Answer] = field(default_factory=deque)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, status: int, payload: object) -> None:
        self.faults.append(_json(status, payload))

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        raise NotImplementedError

    def start(self) -> FakeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                with fake._lock:
                    fake.requests.append((self.command, self.path))
                    fault = fake.faults.popleft() if fake.faults else None
                answer = fault or fake.handle(self.command, self.path, headers, body)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        server = self._server
        threading.Thread(target=lambda: server.serve_forever(0.05), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class FakeWechatLogin(FakeServer):
    """``GET /sns/jscode2session``: codes are single use, the app secret must match."""

    app_id: str = "wxminiprogram0001"
    secret: str = "miniprogram-secret-0123456789abcdef"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def issue(self, code: str, *, openid: str, unionid: str = "") -> str:
        """What ``wx.login()`` would give the user ``openid`` (and the unionid WeChat knows)."""
        answer = {"openid": openid, "session_key": "c2Vzc2lvbi1rZXktc2VjcmV0"}
        if unionid:
            answer["unionid"] = unionid
        self.codes[code] = answer
        return code

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlparse(path)
        query = dict(parse_qsl(url.query))
        if url.path != "/sns/jscode2session" or method != "GET":
            return _json(404, {"errcode": 404, "errmsg": "not found"})
        if query.get("appid") != self.app_id or query.get("secret") != self.secret:
            return _json(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
        if query.get("grant_type") != "authorization_code":
            return _json(200, {"errcode": 40097, "errmsg": "invalid args"})
        code = query.get("js_code", "")
        with self._lock:
            if code in self.used:
                return _json(200, {"errcode": 40163, "errmsg": "code been used"})
            if code not in self.codes:
                return _json(200, {"errcode": 40029, "errmsg": "invalid code"})
            self.used.add(code)
        return _json(200, self.codes[code])


@dataclass
class FakeAliyunSms(FakeServer):
    """``POST /`` with a signed SendSms: checks the signature and records each message."""

    access_key_id: str = "LTAI-test-key-id"
    access_key_secret: str = "aliyun-test-secret-0123456789"
    sent: list[dict[str, str]] = field(default_factory=list)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        given = params.pop("Signature", "")
        expected = aliyun_signature(params, secret=self.access_key_secret, method=method)
        if given != expected or params.get("AccessKeyId") != self.access_key_id:
            return _json(400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"})
        if params.get("Action") != "SendSms" or params.get("Version") != "2017-05-25":
            return _json(400, {"Code": "InvalidAction", "Message": params.get("Action", "")})
        with self._lock:
            self.sent.append(params)
        return _json(200, {"Code": "OK", "Message": "OK", "BizId": "9006", "RequestId": "R1"})

    def last_code(self, phone: str) -> str:
        for params in reversed(self.sent):
            if params["PhoneNumbers"] == phone:
                return str(json.loads(params["TemplateParam"])["code"])
        raise AssertionError(f"no SMS to {phone}")


_CREDENTIAL = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request,"
    r"SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})$"
)


@dataclass
class FakeS3(FakeServer):
    """Path-style PUT/GET object, Signature V4 checked as S3 does (headers, payload hash)."""

    bucket: str = "hotline-media"
    access_key: str = "S3TESTACCESSKEY"
    secret_key: str = "s3-test-secret-key-0123456789"
    region: str = "cn-fuzhou-1"
    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def _authorized(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        match = _CREDENTIAL.fullmatch(headers.get("authorization", ""))
        if match is None:
            return False
        key_id, _day, region, signed, given = match.groups()
        if key_id != self.access_key or region != self.region:
            return False
        if headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
            return False
        expected = s3_authorization(
            method=method,
            path=path,
            query=(),
            headers={name: headers.get(name, "") for name in signed.split(";")},
            payload_sha256=headers["x-amz-content-sha256"],
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            amz_date=headers.get("x-amz-date", ""),
        )
        return expected.endswith(f"Signature={given}")

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not self._authorized(method, path, headers, body):
            return Answer(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>", "text/xml")
        prefix = f"/{self.bucket}/"
        if not path.startswith(prefix):
            return Answer(404, b"<Error><Code>NoSuchBucket</Code></Error>", "text/xml")
        key = unquote(path[len(prefix) :])
        if method == "PUT":
            with self._lock:
                self.objects[key] = (body, headers.get("content-type", ""))
            return Answer(200, b"", "text/plain")
        stored = self.objects.get(key)
        if stored is None:
            return Answer(404, b"<Error><Code>NoSuchKey</Code></Error>", "text/xml")
        return Answer(200, stored[0], stored[1])
