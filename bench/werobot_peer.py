"""The comparable stateful peer of bench/wechat_webhook.py: a WeRoBot bot holding the same
four-turn conversation (a request, a phone number, "确认", then "查询 <ticket number>") in
WeRoBot's default session storage.

WeRoBot 1.13.1 (``pip install -e '.[bench]'``) keeps sessions, unless told otherwise, in
``werobot.session.sqlitestorage.SQLiteStorage``: one SQLite file, ``werobot_session.sqlite3``
in the current directory, read before and written (and committed) after every handler. It
verifies the push's signature itself. ``robot.run()`` serves the bot with Bottle's ``auto``
server (the first of waitress, paste, twisted, cherrypy, cheroot installed, else the stdlib's
single-threaded wsgiref); the benchmark serves ``app`` with gunicorn instead, as many processes
as our server has uvicorn workers, all sharing that SQLite file (the cross-process storage
WeRoBot's default offers). gunicorn's default (sync) workers close the connection after each
reply; the driver reconnects and counts the connection in that message's time:

    cd /tmp/werobot && BENCH_WEROBOT_TOKEN=BenchToken2024 \
        gunicorn --workers 2 --pythonpath /path/to/repo/bench werobot_peer:app

The ticket number is made here (region, date, process, counter) and kept in the session only:
the peer has no ticket store, so it does strictly less work per message than the hotline.
Environment: ``BENCH_WEROBOT_TOKEN`` (required), ``BENCH_WEROBOT_APP_ID`` and
``BENCH_WEROBOT_AES_KEY`` (safe mode).
"""

from __future__ import annotations

import itertools
import os
import re
from datetime import datetime
from typing import Any

import werobot

PHONE = re.compile(r"1\d{10}")
LOOKUP = re.compile(r"查询\s*([A-Z]{2}\d{14})")

robot = werobot.WeRoBot(
    token=os.environ["BENCH_WEROBOT_TOKEN"],
    app_id=os.environ.get("BENCH_WEROBOT_APP_ID") or None,
    encoding_aes_key=os.environ.get("BENCH_WEROBOT_AES_KEY") or None,
)
robot.config["HOST"] = "127.0.0.1"
_serial = itertools.count(1)


def _new_number() -> str:
    # FZ + yyyymmdd + 6 digits (2 from the process id, 4 from a counter), as the hotline's.
    return f"FZ{datetime.now():%Y%m%d}{os.getpid() % 100:02d}{next(_serial) % 10000:04d}"


@robot.text
def converse(message: Any, session: dict[str, Any]) -> str:
    text = message.content.strip()
    tickets: dict[str, str] = session.setdefault("tickets", {})
    if lookup := LOOKUP.match(text):
        number = lookup.group(1)
        if number in tickets:
            return f"工单 {number}：已受理，诉求：{tickets[number][:20]}"
        return f"未找到工单 {number}"
    draft: dict[str, str] = session.setdefault("draft", {})
    if text == "确认":
        if not draft.get("request") or not draft.get("phone"):
            return "还没有可以提交的诉求，请先描述您的问题。"
        number = _new_number()
        tickets[number] = draft["request"]
        session["draft"] = {}
        return f"已受理，工单号 {number}，可回复“查询 {number}”查看进度。"
    if not draft.get("request"):
        draft["request"] = text
        return "收到您的诉求。请留下联系电话，方便工作人员回访。"
    if phone := PHONE.search(text):
        draft["phone"] = phone.group(0)
        return f"诉求：{draft['request'][:30]}…；电话：{draft['phone']}。回复“确认”提交。"
    return "请留下 11 位手机号码。"


app = robot.wsgi

if __name__ == "__main__":
    robot.run()
