"""The service as a citizen's notifications travel through it: ``hotline serve`` and
``hotline worker`` as real processes on the test's database and broker, the fake WeChat API (the
official account's and the mini-program's) and a fake Alibaba Cloud SMS endpoint they call over
HTTP, and the ways a test talks to them (signed WeChat pushes, the mini-program's citizen API,
the staff API)."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from kombu import Connection

from hotline.celery_app import celery_config
from hotline.settings import Settings
from intake.models import Department, StaffUser
from tests.channels.fake_wechat import FakeWechat
from tests.channels.wx import APP_ID, APP_SECRET, TOKEN, Wechat, cdata, event_xml, push_xml
from tests.e2e.helpers import free_port, service_env, start
from tests.factories import staff_user
from tests.mobile.fakes import FakeAliyunSms

NUMBER = re.compile(r"[A-Z]{2,3}\d{14}")
LINK = re.compile(r"https?://[^\s，。]+/t/[A-Za-z0-9_-]+")
PASSWORD = "e2e-staff-pass-1"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"
MINIPROGRAM_APP_ID = "wxminiprogramE2E01"
MINIPROGRAM_APP_SECRET = "miniprogram-e2e-secret-0123456789ab"
# The mini-program's subscribe-message template of each notification.
MINIPROGRAM_TEMPLATES = {
    "accepted": "MP_TPL_ACCEPTED",
    "dispatched": "MP_TPL_DISPATCHED",
    "replied": "MP_TPL_REPLIED",
    "closed": "MP_TPL_CLOSED",
    "survey": "MP_TPL_SURVEY",
}


@dataclass
class WatchedWechat(FakeWechat):
    """The fake WeChat API, also noting each call as it arrives (before any injected delay),
    so a test can act while a send is in flight."""

    arrivals: list[tuple[str, str]] = field(default_factory=list)  # (path, touser)

    def _handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        try:
            touser = str(json.loads(body).get("touser", "")) if body else ""
        except ValueError:
            touser = ""
        with self._lock:
            self.arrivals.append((urlparse(request.path).path, touser))
        super()._handle(request, body)


async def eventually(
    check: Callable[[], Awaitable[bool]],
    *,
    what: str,
    timeout: float = 45.0,
    watch: tuple[Service, ...] = (),
) -> None:
    """Poll ``check`` until true; fail with the services' logs after ``timeout`` seconds, or at
    once when one of the watched processes died."""
    deadline = time.monotonic() + timeout
    while not await check():
        dead = [s for s in watch if s.process.poll() is not None]
        if dead or time.monotonic() > deadline:
            logs = "\n".join(s.tail() for s in watch)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        await asyncio.sleep(0.1)


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, chars: int = 3000) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ---\n{text[-chars:]}"

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self) -> None:
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Stack:
    settings: Settings
    wechat_api: WatchedWechat
    sms_api: FakeAliyunSms
    folder: Path
    miniprogram_api: WatchedWechat | None = None  # WeChat as the mini-program's AppID sees it
    port: int = field(default_factory=free_port)
    services: list[Service] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        miniprogram: dict[str, str] = {}
        if self.miniprogram_api is not None:
            miniprogram = {
                "HOTLINE_MINIPROGRAM_APP_ID": MINIPROGRAM_APP_ID,
                "HOTLINE_MINIPROGRAM_APP_SECRET": MINIPROGRAM_APP_SECRET,
                "HOTLINE_MINIPROGRAM_API_BASE": self.miniprogram_api.base_url,
                "HOTLINE_MINIPROGRAM_API_TIMEOUT_SECONDS": "20",
                **{
                    f"HOTLINE_MINIPROGRAM_TEMPLATE_{purpose.upper()}": template
                    for purpose, template in MINIPROGRAM_TEMPLATES.items()
                },
            }
        return service_env(
            self.settings,
            **miniprogram,
            HOTLINE_API_PORT=str(self.port),
            HOTLINE_PUBLIC_BASE_URL=self.base_url,  # links in messages open on this server
            HOTLINE_LOG_LEVEL="INFO",
            HOTLINE_QUIET_HOURS="off",
            HOTLINE_SURVEY_DELAY_MINUTES="0",
            HOTLINE_WECHAT_ENABLED="true",
            HOTLINE_WECHAT_TOKEN=TOKEN,
            HOTLINE_WECHAT_APP_ID=APP_ID,
            HOTLINE_WECHAT_APP_SECRET=APP_SECRET,
            HOTLINE_WECHAT_API_BASE=self.wechat_api.base_url,
            # Longer than any delay a test injects: a slow answer is in flight, not a timeout.
            HOTLINE_WECHAT_API_TIMEOUT_SECONDS="20",
            HOTLINE_WECHAT_TEMPLATE_ACCEPTED="TPL_ACCEPTED",
            HOTLINE_WECHAT_TEMPLATE_REPLIED="TPL_REPLIED",
            HOTLINE_WECHAT_TEMPLATE_CLOSED="TPL_CLOSED",
            HOTLINE_SMS_PROVIDER="aliyun",
            HOTLINE_SMS_API_BASE=self.sms_api.base_url,
            HOTLINE_SMS_ACCESS_KEY_ID=self.sms_api.access_key_id,
            HOTLINE_SMS_ACCESS_KEY_SECRET=self.sms_api.access_key_secret,
            HOTLINE_SMS_SIGN_NAME="福建12345",
            HOTLINE_SMS_TEMPLATE_CODE="SMS_CODE",
            HOTLINE_SMS_NOTICE_TEMPLATE_CODE="SMS_NOTICE",
            HOTLINE_VOICE_ASR_ENGINE="none",
        )

    def purge_broker(self) -> None:
        """A shared broker (Redis in CI) may hold tasks earlier tests published with no worker
        to take them; this test's worker must not run those against this test's database."""
        if self.settings.uses_embedded_broker:
            return  # the test's own, new folder
        config = celery_config(self.settings)
        with Connection(config["broker_url"]) as connection:
            connection.default_channel.queue_purge(config["task_default_queue"])

    def start_api(self) -> Service:
        return self._start("api", ["serve"])

    def start_worker(self) -> Service:
        return self._start("worker", ["worker", "--pool=solo", "--concurrency=1"])

    def _start(self, name: str, args: list[str]) -> Service:
        log = self.folder / f"{name}-{len(self.services)}.log"
        service = Service(name, start(args, self.env(), log), log)
        self.services.append(service)
        return service

    async def api_ready(self, api: Service) -> None:
        async def ready() -> bool:
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    return (await http.get(f"{self.base_url}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, what="the API to answer /readyz", timeout=60, watch=(api,))

    def stop(self) -> None:
        # All at once: each takes a few seconds to shut down cleanly.
        for service in self.services:
            service.terminate()
        for service in self.services:
            service.wait()


class Citizen:
    """Someone chatting with the official account: WeChat pushes signed over HTTP, the passive
    reply read back (or, when it came too late for the reply budget, the customer-service
    message the worker sent instead)."""

    def __init__(self, stack: Stack, openid: str) -> None:
        self.stack = stack
        self.openid = openid
        self.wechat = Wechat(stack.base_url)

    async def say(self, text: str) -> str:
        return await self._answer(await self.wechat.push(_text(self.openid, text)))

    async def send_location(self, label: str) -> str:
        location = push_xml(
            self.openid,
            "location",
            "<Location_X>26.08</Location_X>",
            "<Location_Y>119.30</Location_Y>",
            "<Scale>15</Scale>",
            cdata("Label", label),
        )
        return await self._answer(await self.wechat.push(location))

    async def unfollow(self) -> None:
        response = await self.wechat.push(event_xml(self.openid, "unsubscribe"))
        assert self.wechat.read(response) == ""

    async def _answer(self, response: httpx.Response) -> str:
        passive = self.wechat.read(response)
        if passive:
            return passive
        before = len(self.stack.wechat_api.texts_to(self.openid))

        async def arrived() -> bool:
            return len(self.stack.wechat_api.texts_to(self.openid)) > before

        await eventually(arrived, what="a late reply", watch=tuple(self.stack.services))
        return self.stack.wechat_api.texts_to(self.openid)[-1]

    async def file_streetlight_request(self, phone: str) -> str:
        """Report a broken streetlight, from the first words to the ticket number."""
        asked = await self.say("小区门口的路灯坏了一个多星期了，晚上很黑，老人出门很危险")
        assert "位置" in asked, asked
        assert "手机号码" in await self.send_location("福州市鼓楼区五四路88号")
        assert "请核对" in await self.say(phone)
        done = await self.say("确认")
        found = NUMBER.search(done)
        assert found and "已受理" in done and "办理时限" in done, done
        return found.group(0)

    async def aclose(self) -> None:
        await self.wechat.aclose()


def _text(openid: str, content: str) -> str:
    return push_xml(openid, "text", cdata("Content", content))


class MiniProgramUser:
    """Someone using the mini-program: signed in with a ``wx.login()`` code, allowing subscribe
    messages, and calling the citizen API as the mini-program's pages do."""

    def __init__(self, stack: Stack, openid: str) -> None:
        assert stack.miniprogram_api is not None
        self.stack = stack
        self.wechat_api = stack.miniprogram_api
        self.openid = openid
        self.http = httpx.AsyncClient(base_url=stack.base_url, timeout=30)
        self.headers: dict[str, str] = {}

    async def sign_in(self) -> None:
        code = self.wechat_api.issue(f"code-{self.openid}", openid=self.openid)
        login = await self.http.post("/api/v1/auth/wechat-miniprogram", json={"code": code})
        assert login.status_code == 200, login.text
        self.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    async def allow(self, *template_ids: str) -> dict[str, int]:
        """What ``wx.requestSubscribeMessage`` answered (all accepted), recorded; the grants
        left of each template."""
        answer = await self.http.post(
            "/api/v1/notifications/subscriptions",
            headers=self.headers,
            json={"results": dict.fromkeys(template_ids, "accept")},
        )
        assert answer.status_code == 200, answer.text
        return {g["template_id"]: g["remaining"] for g in answer.json()}

    async def file(self, description: str, location: str, phone: str) -> str:
        key = str(uuid.uuid4())
        body = {"description": description, "location": location, "contact_phone": phone}
        response = await self.http.post(
            "/api/v1/me/tickets", headers={**self.headers, "Idempotency-Key": key}, json=body
        )
        assert response.status_code == 201, response.text
        # The filing form's retry (the answer got lost): the same ticket, not a second one.
        again = await self.http.post(
            "/api/v1/me/tickets", headers={**self.headers, "Idempotency-Key": key}, json=body
        )
        assert again.status_code in (200, 201), again.text
        assert again.json()["number"] == response.json()["number"]
        return str(response.json()["number"])

    async def ticket(self, number: str) -> dict[str, Any]:
        response = await self.http.get(f"/api/v1/me/tickets/{number}", headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def evaluate(self, number: str, satisfaction: str, comment: str) -> None:
        response = await self.http.post(
            f"/api/v1/me/tickets/{number}/evaluation",
            headers=self.headers,
            json={"satisfaction": satisfaction, "comment": comment},
        )
        assert response.status_code == 204, response.text

    def subscribe_messages(self) -> list[dict[str, Any]]:
        """The subscribe messages WeChat accepted for this user, in order."""
        return [m for m in self.wechat_api.miniprogram_subscribes if m["touser"] == self.openid]

    def subscribe_attempts(self) -> int:
        """Calls to send this user a subscribe message, accepted or not."""
        return self.wechat_api.arrivals.count((SUBSCRIBE_SEND, self.openid))

    async def aclose(self) -> None:
        await self.http.aclose()


class StaffDesk:
    """Staff working a ticket over the staff API, as the operator and the department."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30)
        self.headers: dict[str, dict[str, str]] = {}

    async def sign_in(self) -> None:
        for role in ("operator", "supervisor"):
            await staff_user(username=f"e2e-{role}", password=PASSWORD, role=role)
            await self._login(role, f"e2e-{role}")

    async def dispatch(self, number: str) -> None:
        """The operator dispatches to the department triage chose; one of its staff signs in."""
        ticket = await self.act("operator", number, "dispatch", {})
        department = await Department.get(code=ticket["department_code"])
        username = f"e2e-department-{department.id}"
        if not await StaffUser.exists(username=username):
            user = await staff_user(username=username, password=PASSWORD, role="department")
            user.department = department
            await user.save()
        await self._login("department", username)

    async def _login(self, role: str, username: str) -> None:
        response = await self.http.post(
            "/api/v1/staff/login", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        self.headers[role] = {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def act(self, role: str, number: str, step: str, body: Any = None) -> dict[str, Any]:
        response = await self.http.post(
            f"/api/v1/staff/tickets/{number}/{step}", json=body, headers=self.headers[role]
        )
        assert response.status_code == 200, (step, response.text)
        return dict(response.json())

    async def get(self, path: str, **params: str) -> Any:
        response = await self.http.get(path, params=params, headers=self.headers["operator"])
        assert response.status_code == 200, response.text
        return response.json()

    async def aclose(self) -> None:
        await self.http.aclose()
