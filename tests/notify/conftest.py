from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from hotline.settings import Settings
from notify import senders
from notify.outbox import install
from notify.senders import DeliveryError, OutboundMessage
from tests.conftest import make_settings

# The phone channel's fixtures (settings with it on, the signed platform client, espeak-ng
# speech, a scripted ASR engine): surveys by phone are tested here, from the survey's side.
from tests.voice.conftest import (  # noqa: F401
    http,
    platform,
    scripted,
    speech,
    voice_db,
    voice_settings,
)


@dataclass
class FakeSender:
    """Records what it was asked to send; can be told to fail."""

    channel: str
    sent: list[tuple[str, str]] = field(default_factory=list)
    fail: DeliveryError | None = None

    async def send(self, *, address: str, message: OutboundMessage, dedup_key: str) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append((address, message.text))


@pytest.fixture
def notify_settings(settings: Settings) -> Settings:
    quiet = make_settings(settings.data_dir, quiet_hours="off", survey_delay_minutes=120)
    install(quiet)
    return quiet


@pytest.fixture
def fake_senders() -> Iterator[dict[str, FakeSender]]:
    saved = dict(senders._REGISTRY)
    fakes = {name: FakeSender(name) for name in ("sms", "wechat", "telegram")}
    senders.unregister_all()  # only the fakes: no real sender left by an earlier test
    for name, fake in fakes.items():
        senders.register(name, lambda _settings, fake=fake: fake)
    yield fakes
    senders._REGISTRY.clear()
    senders._REGISTRY.update(saved)
