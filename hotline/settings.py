"""One typed settings object, read from ``HOTLINE_*`` environment variables once at start-up."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that mean "nobody chose a secret yet". Usable in development only.
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev-secret-change-me"})


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting of the service; the README's configuration table lists them all."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=None, extra="ignore")

    mode: Mode = Mode.DEVELOPMENT
    data_dir: Path = Path("data")
    database_url: str = Field(
        default="",
        description="Tortoise DB URL; empty means an SQLite file under data_dir.",
    )
    broker_url: str = Field(
        default="",
        description="Celery broker; empty means the embedded filesystem broker under data_dir.",
    )
    redis_url: str = Field(default="", description="Redis for shared locks and caches; optional.")
    secret_key: str = "dev-secret-change-me"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_base_url: str = "http://127.0.0.1:8000"
    log_format: str = Field(default="auto", description="auto | json | console")
    log_level: str = "INFO"

    default_region: str = "FZ"
    conversation_idle_minutes: int = 30
    repeat_window_days: int = 30
    deadlines: str = Field(
        default="",
        description="Overrides of working-day limits, e.g. 'complaint:normal=10,*:urgent=0'.",
    )
    holiday_file: Path | None = None
    deadline_warning_hours: int = 24
    staff_token_ttl_minutes: int = 12 * 60
    max_request_bytes: int = 1_000_000
    progress_lookups_per_minute: int = 20

    # --- WeChat official account ---
    wechat_enabled: bool = Field(default=False, description="Serve /channels/wechat.")
    wechat_token: str = Field(default="", description="Token set in the MP console (3-32 chars).")
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_encoding_aes_key: str = Field(
        default="", description="43-char EncodingAESKey; needed for safe (aes) mode."
    )
    wechat_previous_encoding_aes_key: str = Field(
        default="", description="The key before the last rotation, still accepted inbound."
    )
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_api_timeout_seconds: float = 5.0
    wechat_timestamp_window_seconds: int = 300
    wechat_reply_budget_seconds: float = 3.5
    wechat_max_body_bytes: int = 64 * 1024
    wechat_template_accepted: str = Field(default="", description="Template id: ticket accepted.")
    wechat_template_replied: str = Field(default="", description="Template id: ticket replied.")
    wechat_template_closed: str = Field(default="", description="Template id: ticket closed.")
    wechat_template_fields: str = Field(
        default="number=character_string1,status=phrase2,time=time3,note=thing4",
        description="Which template field holds what, as 'what=field,...'.",
    )
    wechat_ticket_url: str = Field(
        default="", description="Link to a ticket, with {number}; empty: public_base_url page."
    )
    wechat_scene_regions: str = Field(
        default="", description="QR scenes of regional posters, e.g. 'poster_fz=FZ,poster_xm=XM'."
    )

    @model_validator(mode="after")
    def _enforce_real_secrets(self) -> Self:
        if self.mode is Mode.PRODUCTION and self.secret_key in PLACEHOLDER_SECRETS:
            raise ValueError(
                "HOTLINE_SECRET_KEY is a placeholder; set a real secret in production mode."
            )
        if self.mode is Mode.PRODUCTION and len(self.secret_key) < 32:
            raise ValueError("HOTLINE_SECRET_KEY must be at least 32 characters in production.")
        if self.wechat_enabled:
            self._enforce_wechat_secrets()
        return self

    def _enforce_wechat_secrets(self) -> None:
        # An empty token would let anyone sign pushes: refused in every mode once enabled.
        if not 3 <= len(self.wechat_token) <= 32 or not self.wechat_token.isalnum():
            raise ValueError("HOTLINE_WECHAT_TOKEN must be 3-32 letters or digits.")
        for name in ("wechat_encoding_aes_key", "wechat_previous_encoding_aes_key"):
            value = getattr(self, name)
            if value and (len(value) != 43 or not value.isalnum()):
                raise ValueError(f"HOTLINE_{name.upper()} must be 43 letters or digits.")
        if self.mode is Mode.PRODUCTION:
            for name in ("wechat_token", "wechat_app_id", "wechat_app_secret"):
                if getattr(self, name).lower() in PLACEHOLDER_SECRETS:
                    raise ValueError(f"HOTLINE_{name.upper()} must be set in production mode.")

    @property
    def is_development(self) -> bool:
        return self.mode is Mode.DEVELOPMENT

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite://{(self.data_dir / 'hotline.sqlite3').resolve()}"

    @property
    def uses_embedded_broker(self) -> bool:
        return not self.broker_url

    @property
    def effective_broker_url(self) -> str:
        return self.broker_url or "filesystem://"

    @property
    def broker_dir(self) -> Path:
        return (self.data_dir / "broker").resolve()

    @property
    def effective_log_format(self) -> str:
        if self.log_format != "auto":
            return self.log_format
        return "console" if self.is_development else "json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use (never at import time)."""
    return Settings()


def reset_settings_cache() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
