"""notify's WeChat sender through the channel's real client, against the fake WeChat API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from channels.wechat_oa import users
from notify.channel_senders import WechatNotifier
from notify.senders import DeliveryError, OutboundMessage


def _message(purpose: str) -> OutboundMessage:
    return OutboundMessage(
        text=f"【12345】{purpose}",
        link="https://h/t/x",
        purpose=purpose,
        ticket_number="FZ20261127000001",
    )


async def test_inside_the_window_a_customer_service_message(wx_db, wx_settings, fake_wechat):
    await users.subscribe(openid="oCitizen1", at=datetime.now(UTC))
    await users.touch(openid="oCitizen1", at=datetime.now(UTC))
    notifier = WechatNotifier(wx_settings)
    await notifier.send(address="oCitizen1", message=_message("dispatched"), dedup_key="n:1")
    await notifier.send(address="oCitizen1", message=_message("dispatched"), dedup_key="n:1")
    assert fake_wechat.texts_to("oCitizen1") == ["【12345】dispatched"]


async def test_outside_the_window_a_template_or_fall_back(wx_db, wx_settings, fake_wechat):
    old = datetime.now(UTC) - timedelta(days=3)
    await users.subscribe(openid="oCitizen2", at=old)
    await users.touch(openid="oCitizen2", at=old)
    notifier = WechatNotifier(wx_settings)
    await notifier.send(address="oCitizen2", message=_message("closed"), dedup_key="n:2")
    assert [t["template_id"] for t in fake_wechat.templates] == ["TPL_CLOSED"]
    assert fake_wechat.texts_to("oCitizen2") == []
    with pytest.raises(DeliveryError) as failure:
        await notifier.send(address="oCitizen2", message=_message("dispatched"), dedup_key="n:3")
    assert failure.value.permanent  # no template for it: SMS takes over


async def test_unsubscribed_is_permanent(wx_db, wx_settings, fake_wechat):
    await users.subscribe(openid="oCitizen3", at=datetime.now(UTC))
    await users.unsubscribe(openid="oCitizen3", at=datetime.now(UTC))
    with pytest.raises(DeliveryError) as failure:
        await WechatNotifier(wx_settings).send(
            address="oCitizen3", message=_message("closed"), dedup_key="n:4"
        )
    assert failure.value.permanent
    assert fake_wechat.sent == [] and fake_wechat.templates == []
