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


async def test_sms_notifier_through_the_aliyun_client(db, settings):
    from notify.channel_senders import SmsNotifier
    from tests.conftest import make_settings
    from tests.mobile.fakes import FakeAliyunSms

    fake = FakeAliyunSms().start()
    try:
        sms = make_settings(
            settings.data_dir,
            sms_provider="aliyun",
            sms_api_base=fake.base_url,
            sms_access_key_id=fake.access_key_id,
            sms_access_key_secret=fake.access_key_secret,
            sms_sign_name="12345热线",
            sms_template_code="SMS_CODE",
            sms_notice_template_code="SMS_NOTICE",
        )
        await SmsNotifier(sms).send(address="13800138000", message=_message(), dedup_key="n:1")
        assert fake.sent[-1]["TemplateCode"] == "SMS_NOTICE"
        assert "已办结" in fake.sent[-1]["TemplateParam"]
        fake.fail_next(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "invalid number"})
        try:
            await SmsNotifier(sms).send(address="13800138001", message=_message(), dedup_key="n:2")
        except DeliveryError as exc:
            assert exc.permanent
        else:
            raise AssertionError("an invalid number must be permanent")
        fake.fail_next(500, {"Code": "ServiceUnavailable", "Message": "busy"})
        try:
            await SmsNotifier(sms).send(address="13800138002", message=_message(), dedup_key="n:3")
        except DeliveryError as exc:
            assert not exc.permanent
        else:
            raise AssertionError("a busy service must be retriable")
    finally:
        fake.stop()
