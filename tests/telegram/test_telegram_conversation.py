"""Whole conversations over the webhook with real Update JSON: the webhook stores and queues,
the jobs run as the worker runs them, and the replies arrive at the fake Bot API."""

from __future__ import annotations

import re

import httpx

from api.app import create_app
from channels.telegram.models import TelegramChat, TelegramDelivery, TelegramUpdate
from intake.models import Conversation, InboundMessage, Ticket
from tests.telegram.conftest import JobRunner, deps_for
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.tg import Person, post

NUMBER = re.compile(r"[A-Z]{2,3}\d{14}")
STREETLIGHT = "鼓楼区五一北路88号门口的路灯坏了一个星期，晚上走路很危险"


async def say(
    http: httpx.AsyncClient,
    url: str,
    run_jobs: JobRunner,
    fake: FakeBotApi,
    person: Person,
    update: dict,
) -> list[str]:
    """Post one update, run the worker's jobs, and return the texts the bot sent for it."""
    before = len(fake.texts_to(person.chat_id))
    response = await post(http, url, update)
    assert response.status_code == 200, response.text
    await run_jobs()
    return fake.texts_to(person.chat_id)[before:]


async def test_filing_by_buttons_then_status_and_my_tickets(
    server_url: str, http: httpx.AsyncClient, run_jobs: JobRunner, fake_api: FakeBotApi
):
    lin = Person(chat_id=5550001)
    greeting = await say(http, server_url, run_jobs, fake_api, lin, lin.text("/start"))
    assert "12345" in greeting[0] and "/status" in greeting[0]

    asked = await say(http, server_url, run_jobs, fake_api, lin, lin.text(STREETLIGHT))
    assert "手机号码" in asked[-1]
    confirmation = await say(http, server_url, run_jobs, fake_api, lin, lin.text("13800138000"))
    assert "请核对" in confirmation[-1] and "138****8000" in confirmation[-1]
    sent = fake_api.sent_to(lin.chat_id)[-1]
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert [[b["text"], b["callback_data"]] for row in keyboard for b in row] == [
        ["确认提交", "确认"],
        ["修改类型", "修改类型"],
        ["取消", "取消"],
    ]

    tap = lin.tap(sent, "确认")
    created = await say(http, server_url, run_jobs, fake_api, lin, tap)
    match = NUMBER.search(created[-1])
    assert match and "已受理" in created[-1]
    ticket = await Ticket.get(number=match.group(0))
    assert ticket.channel == "telegram" and ticket.location
    # The tap was answered (no endless spinner) and its buttons removed (no second submission).
    answered = fake_api.called("answerCallbackQuery")
    assert answered and answered[-1]["callback_query_id"] == tap["callback_query"]["id"]
    assert fake_api.called("editMessageReplyMarkup")
    assert await InboundMessage.exists(
        channel="telegram", external_id=f"callback:{tap['callback_query']['id']}"
    )

    status = await say(
        http, server_url, run_jobs, fake_api, lin, lin.text(f"/status {ticket.number}")
    )
    assert ticket.number in status[-1] and "当前状态" in status[-1]
    mine = await say(http, server_url, run_jobs, fake_api, lin, lin.text("/my"))
    assert "您最近的工单" in mine[-1] and ticket.number in mine[-1]
    helped = await say(http, server_url, run_jobs, fake_api, lin, lin.text("/help"))
    assert "查询 工单号" in helped[-1]
    assert await TelegramUpdate.filter(status="pending").count() == 0


async def test_a_duplicate_update_is_handled_and_answered_once(
    server_url: str, http: httpx.AsyncClient, run_jobs: JobRunner, fake_api: FakeBotApi
):
    wang = Person(chat_id=5550002)
    update = wang.text(STREETLIGHT)
    assert (await post(http, server_url, update)).status_code == 200
    assert (await post(http, server_url, update)).status_code == 200  # Telegram's retry
    await run_jobs()
    assert (await post(http, server_url, update)).status_code == 200  # a late repeat
    ran = await run_jobs()
    assert ran == []  # already done: not even queued again
    assert await TelegramUpdate.filter(update_id=update["update_id"]).count() == 1
    assert len(fake_api.texts_to(wang.chat_id)) == 1
    assert await InboundMessage.filter(channel="telegram").count() == 1


async def test_the_same_update_processed_twice_sends_one_reply(
    server_url: str,
    http: httpx.AsyncClient,
    run_jobs: JobRunner,
    fake_api: FakeBotApi,
    tg_settings,
):
    """A worker that dies after sending but before marking the update done: the rerun finds
    the turn committed (receive's dedup) and the delivery sent."""
    zhao = Person(chat_id=5550003)
    update = zhao.text(STREETLIGHT)
    await post(http, server_url, update)
    await run_jobs()
    await TelegramUpdate.filter(update_id=update["update_id"]).update(status="pending")
    await deps_for(tg_settings).jobs.enqueue(
        "telegram.process_update",
        update_row_id=(await TelegramUpdate.get(update_id=update["update_id"])).id,
    )
    assert await run_jobs() == ["telegram.process_update"]
    assert len(fake_api.texts_to(zhao.chat_id)) == 1
    assert await TelegramDelivery.filter(chat_id=zhao.chat_id).count() == 1


async def test_a_forged_or_missing_secret_token_is_refused_and_nothing_stored(
    server_url: str, http: httpx.AsyncClient, fake_api: FakeBotApi
):
    mallory = Person(chat_id=5550004)
    forged = await post(http, server_url, mallory.text(STREETLIGHT), secret="guessed-secret")
    missing = await post(http, server_url, mallory.text(STREETLIGHT), secret=None)
    assert forged.status_code == 403 and missing.status_code == 403
    assert forged.json()["error"]["code"] == "forbidden"
    assert await TelegramUpdate.all().count() == 0


async def test_malformed_bodies_are_refused(server_url: str, http: httpx.AsyncClient):
    from tests.telegram.tg import SECRET, SECRET_HEADER

    url = f"{server_url}/channels/telegram"
    headers = {SECRET_HEADER: SECRET, "content-type": "application/json"}
    for body in (b"not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": "7"}'):
        response = await http.post(url, content=body, headers=headers)
        assert response.status_code == 400, body
    huge = b'{"update_id": 1, "pad": "' + b"x" * 300_000 + b'"}'
    assert (await http.post(url, content=huge, headers=headers)).status_code == 413
    assert await TelegramUpdate.all().count() == 0


async def test_cancel_and_new_start_over(
    server_url: str, http: httpx.AsyncClient, run_jobs: JobRunner, fake_api: FakeBotApi
):
    chen = Person(chat_id=5550005)
    await say(http, server_url, run_jobs, fake_api, chen, chen.text(STREETLIGHT))
    cancelled = await say(http, server_url, run_jobs, fake_api, chen, chen.text("/cancel"))
    assert "已为您取消" in cancelled[-1]
    await say(http, server_url, run_jobs, fake_api, chen, chen.text(STREETLIGHT))
    fresh = await say(http, server_url, run_jobs, fake_api, chen, chen.text("/new"))
    assert "已为您取消" in fresh[0] and "请直接用文字" in fresh[-1]
    conversation = await Conversation.get(channel="telegram", sender=str(chen.chat_id))
    assert conversation.step == "idle"
    unknown = await say(http, server_url, run_jobs, fake_api, chen, chen.text("/weather"))
    assert "查询 工单号" in unknown[-1]  # the help


async def test_a_shared_location_fills_the_location_slot(
    server_url: str, http: httpx.AsyncClient, run_jobs: JobRunner, fake_api: FakeBotApi
):
    he = Person(chat_id=5550006)
    asked = await say(
        http,
        server_url,
        run_jobs,
        fake_api,
        he,
        he.text("路灯坏了好几天了，晚上一片漆黑，请尽快修理"),
    )
    assert "什么位置" in asked[-1]
    answered = await say(http, server_url, run_jobs, fake_api, he, he.location(26.08, 119.30))
    assert "手机号码" in answered[-1]
    conversation = await Conversation.get(channel="telegram", sender=str(he.chat_id))
    assert conversation.slots["latitude"] == 26.08 and conversation.slots["longitude"] == 119.3


async def test_english_speakers_get_english_from_the_same_catalogue(
    server_url: str, http: httpx.AsyncClient, run_jobs: JobRunner, fake_api: FakeBotApi
):
    anna = Person(chat_id=5550007, first_name="Anna", language_code="en")
    greeting = await say(http, server_url, run_jobs, fake_api, anna, anna.text("/start"))
    assert greeting[0].startswith("Hello, this is the 12345")
    asked = await say(http, server_url, run_jobs, fake_api, anna, anna.text(STREETLIGHT))
    assert "mobile phone number" in asked[-1]
    confirmation = await say(http, server_url, run_jobs, fake_api, anna, anna.text("13800138000"))
    assert "Please check your request" in confirmation[-1]
    sent = fake_api.sent_to(anna.chat_id)[-1]
    labels = [b["text"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Submit", "Change type", "Cancel"]
    choices = await say(http, server_url, run_jobs, fake_api, anna, anna.tap(sent, "修改类型"))
    assert choices == ["Please choose the type of your request:"]
    kinds = fake_api.sent_to(anna.chat_id)[-1]
    labels = [b["text"] for row in kinds["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Enquiry", "Request for help", "Complaint", "Report", "Suggestion", "Praise"]
    again = await say(http, server_url, run_jobs, fake_api, anna, anna.tap(kinds, "类型 投诉"))
    assert "Type: Complaint" in again[-1]
    sent = fake_api.sent_to(anna.chat_id)[-1]
    created = await say(http, server_url, run_jobs, fake_api, anna, anna.tap(sent, "确认"))
    assert "Your request has been accepted. Ticket number:" in created[-1]
    chat = await TelegramChat.get(chat_id=anna.chat_id)
    assert chat.language_code == "en"
    # A Chinese client (and one that states no language) is answered in Chinese.
    mei = Person(chat_id=5550008, language_code=None)
    assert "您好" in (await say(http, server_url, run_jobs, fake_api, mei, mei.text("/start")))[0]


async def test_a_region_deep_link_sets_the_ticket_region(
    server_url: str, http: httpx.AsyncClient, run_jobs: JobRunner, fake_api: FakeBotApi
):
    xu = Person(chat_id=5550009)
    await say(http, server_url, run_jobs, fake_api, xu, xu.text("/start XM"))
    await say(http, server_url, run_jobs, fake_api, xu, xu.text(STREETLIGHT))
    await say(http, server_url, run_jobs, fake_api, xu, xu.text("13800138000"))
    sent = fake_api.sent_to(xu.chat_id)[-1]
    created = await say(http, server_url, run_jobs, fake_api, xu, xu.tap(sent, "确认"))
    number = NUMBER.search(created[-1])
    assert number and number.group(0).startswith("XM")


async def test_unsupported_messages_and_group_chats(
    server_url: str, http: httpx.AsyncClient, run_jobs: JobRunner, fake_api: FakeBotApi
):
    gao = Person(chat_id=5550010)
    said = await say(http, server_url, run_jobs, fake_api, gao, gao.sticker())
    assert "暂不支持" in said[-1]
    group = gao.text(STREETLIGHT)
    group["message"]["chat"] = {"id": -100123, "title": "邻里群", "type": "supergroup"}
    assert (await post(http, server_url, group)).status_code == 200
    await run_jobs()
    assert fake_api.texts_to(-100123) == []  # a hotline takes requests in private only
    assert (await TelegramUpdate.get(update_id=group["update_id"])).status == "done"


async def test_a_user_who_blocks_the_bot_is_remembered(
    server_url: str, http: httpx.AsyncClient, run_jobs: JobRunner, fake_api: FakeBotApi
):
    sun = Person(chat_id=5550011)
    await say(http, server_url, run_jobs, fake_api, sun, sun.text("/start"))
    await post(http, server_url, sun.blocks_bot())
    await run_jobs()
    assert (await TelegramChat.get(chat_id=sun.chat_id)).blocked


async def test_the_webhook_does_not_exist_while_the_channel_is_off(tg_db: None, settings):
    app = create_app(settings, manage_db=False)  # HOTLINE_TELEGRAM_ENABLED defaults to false
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await post(client, "http://testserver", Person(chat_id=1).text("你好"))
    assert response.status_code == 404
    assert await TelegramUpdate.all().count() == 0
