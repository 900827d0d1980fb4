"""The outbound sender against the fake Bot API: inline keyboards, one send per dedup key, and
Telegram's errors classified (403 and chat-not-found permanent; 429, 5xx, timeouts retriable)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from channels.telegram.client import open_bot
from channels.telegram.config import telegram_config
from channels.telegram.errors import (
    BotBlocked,
    ChatNotFound,
    PermanentTelegramError,
    RetriableTelegramError,
)
from channels.telegram.models import TelegramChat, TelegramDelivery
from channels.telegram.outbound import TelegramSender, TextSender
from intake.messages import Button
from tests.telegram.conftest import telegram_settings
from tests.telegram.fake_bot_api import FakeBotApi

CHAT = 7770001
SURVEY = (Button("已解决", "是"), Button("未解决", "否"))


@pytest.fixture
async def bot(tg_db: None, tg_settings) -> AsyncIterator[Bot]:
    async with open_bot(telegram_config(tg_settings)) as opened:
        yield opened


async def test_a_survey_question_goes_out_once_with_its_buttons(bot: Bot, fake_api: FakeBotApi):
    sender: TextSender = TelegramSender(bot)  # the interface notifications use
    for _ in range(2):  # a notification task that runs twice
        await sender.send_text(
            chat_id=str(CHAT), text="问题是否已经解决？", buttons=SURVEY, dedup_key="survey:1:q1"
        )
    sent = fake_api.sent_to(CHAT)
    assert len(sent) == 1
    assert sent[0]["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "已解决", "callback_data": "是"}],
            [{"text": "未解决", "callback_data": "否"}],
        ]
    }
    row = await TelegramDelivery.get(dedup_key="survey:1:q1")
    assert row.status == "sent" and row.message_id and row.attempts == 1


async def test_a_user_who_blocked_the_bot_is_permanent_and_not_tried_again(
    bot: Bot, fake_api: FakeBotApi
):
    fake_api.blocked.add(CHAT)
    sender = TelegramSender(bot)
    with pytest.raises(BotBlocked):
        await sender.send_text(chat_id=CHAT, text="您的工单已办结", dedup_key="n:1")
    assert (await TelegramDelivery.get(dedup_key="n:1")).status == "blocked"
    assert (await TelegramChat.get(chat_id=CHAT)).blocked
    calls = len(fake_api.called("sendMessage"))
    with pytest.raises(BotBlocked):
        await sender.send_text(chat_id=CHAT, text="回访", dedup_key="n:2")
    assert len(fake_api.called("sendMessage")) == calls  # known locally: no call


async def test_chat_not_found_is_permanent(bot: Bot, fake_api: FakeBotApi):
    fake_api.unknown_chats.add(CHAT)
    with pytest.raises(ChatNotFound):
        await TelegramSender(bot).send_text(chat_id=CHAT, text="x", dedup_key="n:3")
    assert (await TelegramDelivery.get(dedup_key="n:3")).status == "failed"


async def test_other_bad_requests_are_permanent(bot: Bot, fake_api: FakeBotApi):
    fake_api.fail("sendMessage", status=400, description="Bad Request: message text is empty")
    with pytest.raises(PermanentTelegramError) as caught:
        await TelegramSender(bot).send_text(chat_id=CHAT, text="x", dedup_key="n:4")
    assert not isinstance(caught.value, ChatNotFound | BotBlocked)


async def test_flood_control_is_retriable_after_retry_after(bot: Bot, fake_api: FakeBotApi):
    fake_api.fail("sendMessage", status=429, description="Too Many Requests", retry_after=7)
    sender = TelegramSender(bot)
    with pytest.raises(RetriableTelegramError) as caught:
        await sender.send_text(chat_id=CHAT, text="您的诉求已受理", dedup_key="n:5")
    assert caught.value.retry_after == 7
    row = await TelegramDelivery.get(dedup_key="n:5")
    assert row.status == "pending" and "Too Many Requests" in row.error
    await sender.send_text(chat_id=CHAT, text="您的诉求已受理", dedup_key="n:5")  # the retry
    assert fake_api.texts_to(CHAT) == ["您的诉求已受理"]
    assert (await TelegramDelivery.get(dedup_key="n:5")).attempts == 2


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500, "description": "Internal Server Error"},
        {"status": 502, "body": b"<html>502 Bad Gateway</html>"},  # a proxy's page
        {"status": 200, "delay": 3.0},  # longer than the 2 s client timeout
    ],
    ids=["5xx", "proxy-page", "timeout"],
)
async def test_server_errors_and_timeouts_are_retriable(
    bot: Bot, fake_api: FakeBotApi, fault: dict
):
    fake_api.fail("sendMessage", **fault)
    with pytest.raises(RetriableTelegramError):
        await TelegramSender(bot).send_text(chat_id=CHAT, text="x", dedup_key="n:6")
    assert (await TelegramDelivery.get(dedup_key="n:6")).status == "pending"


async def test_a_dead_connection_is_retriable(tg_db: None, settings, fake_api: FakeBotApi):
    gone = telegram_settings(settings.data_dir, fake_api, telegram_api_base="http://127.0.0.1:9")
    async with open_bot(telegram_config(gone)) as bot:
        with pytest.raises(RetriableTelegramError) as caught:
            await TelegramSender(bot).send_text(chat_id=CHAT, text="x", dedup_key="n:7")
    assert fake_api.token not in caught.value.message


async def test_long_texts_are_split_with_the_buttons_on_the_last_piece(
    bot: Bot, fake_api: FakeBotApi
):
    lines = "\n".join(f"{i:04d} " + "办理进度" * 40 for i in range(60))
    await TelegramSender(bot).send_text(chat_id=CHAT, text=lines, buttons=SURVEY, dedup_key="n:8")
    sent = fake_api.sent_to(CHAT)
    assert len(sent) > 1 and all(len(piece["text"]) <= 4096 for piece in sent)
    assert "\n".join(piece["text"] for piece in sent) == lines
    assert [("reply_markup" in piece) for piece in sent] == [False] * (len(sent) - 1) + [True]
