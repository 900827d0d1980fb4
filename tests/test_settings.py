"""Settings: placeholders refused in production, and every setting documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hotline.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _no_hotline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("HOTLINE_"):
            monkeypatch.delenv(name)


def test_production_refuses_placeholder_and_short_secrets():
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(mode="production")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="32"):
        Settings(mode="production", secret_key="short-but-not-placeholder")  # type: ignore[arg-type]
    ok = Settings(mode="production", secret_key="x" * 40)  # type: ignore[arg-type]
    assert ok.effective_log_format == "json"


def test_development_runs_on_embedded_defaults(tmp_path: Path):
    settings = Settings(data_dir=tmp_path)
    assert settings.effective_database_url.startswith("sqlite://")
    assert settings.uses_embedded_broker and settings.effective_broker_url == "filesystem://"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOTLINE_CONVERSATION_IDLE_MINUTES", "45")
    assert Settings().conversation_idle_minutes == 45


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    missing = [
        f"HOTLINE_{name.upper()}"
        for name in Settings.model_fields
        if f"HOTLINE_{name.upper()}" not in readme
    ]
    assert not missing, f"README configuration table lacks {missing}"
