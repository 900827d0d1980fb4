"""Settings of the channel and ``hotline telegram webhook``."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from hotline.cli import cli
from hotline.settings import Settings, reset_settings_cache
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.telegram.tg import SECRET

REAL = "x" * 40


def test_placeholders_are_refused_in_production_only_when_the_channel_is_on():
    Settings(mode="production", secret_key=REAL)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="TELEGRAM_BOT_TOKEN"):
        Settings(mode="production", secret_key=REAL, telegram_enabled=True)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings(  # type: ignore[arg-type]
            mode="production",
            secret_key=REAL,
            telegram_enabled=True,
            telegram_bot_token=TOKEN,
            telegram_webhook_secret="change-me",
        )
    with pytest.raises(ValidationError, match="16"):
        Settings(  # type: ignore[arg-type]
            mode="production",
            secret_key=REAL,
            telegram_enabled=True,
            telegram_bot_token=TOKEN,
            telegram_webhook_secret="short_secret",
        )
    Settings(  # type: ignore[arg-type]
        mode="production",
        secret_key=REAL,
        telegram_enabled=True,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret=SECRET,
    )
    Settings(telegram_enabled=True)  # development: try it without secrets (polling)


def test_a_secret_telegram_would_refuse_is_refused_at_start_up():
    with pytest.raises(ValidationError, match="A-Z a-z 0-9"):
        Settings(telegram_enabled=True, telegram_webhook_secret="has spaces!")  # type: ignore[arg-type]


@pytest.fixture
def env(fake_api: FakeBotApi, tmp_path) -> dict[str, str]:
    return {
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_TELEGRAM_ENABLED": "true",
        "HOTLINE_TELEGRAM_BOT_TOKEN": TOKEN,
        "HOTLINE_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "HOTLINE_TELEGRAM_API_BASE": fake_api.base_url,
        "HOTLINE_PUBLIC_BASE_URL": "https://hotline.example.gov.cn",
    }


def test_webhook_set_registers_url_secret_updates_and_menu(env, fake_api: FakeBotApi):
    result = CliRunner().invoke(cli, ["telegram", "webhook", "--set"], env=env)
    assert result.exit_code == 0, result.output
    assert fake_api.webhook["url"] == "https://hotline.example.gov.cn/channels/telegram"
    assert fake_api.webhook["secret_token"] == SECRET
    assert json.loads(fake_api.webhook["allowed_updates"]) == [
        "message",
        "callback_query",
        "my_chat_member",
    ]
    assert len(fake_api.called("setMyCommands")) == 2
    assert '"url": "https://hotline.example.gov.cn/channels/telegram"' in result.output
    deleted = CliRunner().invoke(cli, ["telegram", "webhook", "--delete"], env=env)
    assert deleted.exit_code == 0 and fake_api.webhook == {}


def test_webhook_set_refuses_without_a_secret_or_https(env, fake_api: FakeBotApi):
    runner = CliRunner()
    result = runner.invoke(
        cli, ["telegram", "webhook", "--set"], env={**env, "HOTLINE_TELEGRAM_WEBHOOK_SECRET": ""}
    )
    assert result.exit_code == 1 and "WEBHOOK_SECRET" in result.output
    reset_settings_cache()  # the CLI reads settings once per process
    result = runner.invoke(
        cli,
        ["telegram", "webhook", "--set"],
        env={**env, "HOTLINE_TELEGRAM_WEBHOOK_URL": "http://plain.example/hook"},
    )
    assert result.exit_code == 1 and "https" in result.output
    assert fake_api.called("setWebhook") == []


def test_webhook_reports_telegram_refusing_the_token(env, fake_api: FakeBotApi):
    result = CliRunner().invoke(
        cli, ["telegram", "webhook"], env={**env, "HOTLINE_TELEGRAM_BOT_TOKEN": "42:wrong"}
    )
    assert result.exit_code == 1 and "Unauthorized" in result.output
    assert "42:wrong" not in result.output
