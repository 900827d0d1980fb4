"""notify's channel senders against the channels' fake APIs, through their real clients."""

from __future__ import annotations

from notify.channel_senders import TelegramNotifier
from notify.senders import DeliveryError, OutboundMessage
from tests.telegram.fake_bot_api import FakeBotApi


def _message(text: str = "【12345】您的工单已办结。") -> OutboundMessage:
    return OutboundMessage(
        text=text,
        link="https://h/t/x",
        purpose="closed",
        ticket_number="FZ20261127000001",
        buttons=(("已解决", "是"),),
    )


async def test_telegram_notifier_sends_once_and_classifies_errors(db, settings, tmp_path):
    from tests.telegram.conftest import telegram_settings

    fake = FakeBotApi().start()
    try:
        notifier = TelegramNotifier(telegram_settings(settings.data_dir, fake))
        await notifier.send(address="4242", message=_message(), dedup_key="notification:1")
        await notifier.send(address="4242", message=_message(), dedup_key="notification:1")
        assert fake.texts_to(4242) == ["【12345】您的工单已办结。"]
        fake.fail("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
        try:
            await notifier.send(address="4243", message=_message(), dedup_key="notification:2")
        except DeliveryError as exc:
            assert exc.permanent
        else:
            raise AssertionError("a blocked bot must be a permanent failure")
        fake.fail("sendMessage", status=429, description="Too Many Requests", retry_after=7)
        try:
            await notifier.send(address="4244", message=_message(), dedup_key="notification:3")
        except DeliveryError as exc:
            assert not exc.permanent and exc.retry_after == 7
        else:
            raise AssertionError("flood control must be retriable")
    finally:
        fake.stop()
