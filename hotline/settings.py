"""One typed settings object, read from ``HOTLINE_*`` environment variables once at start-up."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that mean "nobody chose a secret yet". Usable in development only.
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev-secret-change-me"})
_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


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

    # --- mobile ---
    miniprogram_app_id: str = Field(default="", description="Mini-program AppID; empty: off.")
    miniprogram_app_secret: str = ""
    miniprogram_api_base: str = "https://api.weixin.qq.com"
    miniprogram_api_timeout_seconds: float = 5.0
    # Subscribe-message templates, one per notification; empty: that one is not sent this way.
    miniprogram_template_accepted: str = ""
    miniprogram_template_dispatched: str = ""
    miniprogram_template_replied: str = ""
    miniprogram_template_extended: str = ""
    miniprogram_template_closed: str = ""
    miniprogram_template_survey: str = Field(
        default="", description="Survey invitations and their reminders."
    )
    miniprogram_template_fields: str = Field(
        default="number=character_string1,status=phrase2,time=time3,note=thing4",
        description="Which subscribe-message field holds what, as 'what=field,...'.",
    )
    miniprogram_ticket_page: str = Field(
        default="pages/ticket/detail?number={number}",
        description="The mini-program page a message opens, with {number}.",
    )
    miniprogram_state: Literal["developer", "trial", "formal"] = Field(
        default="formal", description="Which version of the mini-program a message opens."
    )
    citizen_access_token_minutes: int = 30
    citizen_refresh_token_days: int = 30
    sms_provider: str = Field(
        default="", description="console | aliyun; empty: console in development, off otherwise."
    )
    sms_api_base: str = "https://dysmsapi.aliyuncs.com"
    sms_access_key_id: str = ""
    sms_access_key_secret: str = ""
    sms_sign_name: str = ""
    sms_template_code: str = Field(default="", description="Template with a ${code} variable.")
    sms_notice_template_code: str = Field(
        default="", description="Notification template with one ${content} variable."
    )
    sms_api_timeout_seconds: float = 5.0
    sms_code_ttl_seconds: int = 300
    sms_code_interval_seconds: int = 60
    sms_codes_per_phone_per_day: int = 10
    sms_codes_per_ip_per_hour: int = 30
    sms_login_attempts_per_ip_per_hour: int = 60
    media_storage: str = Field(default="local", description="local | s3")
    media_max_image_bytes: int = 10 * 1024 * 1024
    media_max_audio_bytes: int = 5 * 1024 * 1024
    media_max_audio_seconds: int = 120
    s3_endpoint_url: str = Field(default="", description="e.g. https://oss.example.gov.cn")
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    ticket_link_days: int = Field(default=90, description="Lifetime of /t/<token> links.")
    urge_after_workdays: int = 1
    urge_interval_hours: int = 24
    app_ios_app_ids: str = Field(default="", description="'TEAMID.bundle.id,...' for iOS links.")
    app_android_package: str = ""
    app_android_cert_sha256: str = Field(
        default="", description="Signing-certificate SHA-256 fingerprints, comma-separated."
    )
    # --- end mobile ---

    # --- notifications and surveys ---
    quiet_hours: str = Field(
        default="22:00-08:00", description="Non-urgent messages wait outside this local window."
    )
    survey_delay_minutes: int = 120
    survey_reminders: int = 2
    survey_reminder_hours: int = 24
    survey_answer_days: int = 3
    notify_max_attempts: int = 6

    # --- telegram ---
    telegram_enabled: bool = Field(
        default=False, description="Serve /channels/telegram and process Telegram updates."
    )
    telegram_bot_token: str = Field(default="", description="The bot token from @BotFather.")
    telegram_webhook_secret: str = Field(
        default="",
        description="X-Telegram-Bot-Api-Secret-Token value (1-256 of A-Z a-z 0-9 _ -); "
        "empty: the webhook refuses every request (polling still works).",
    )
    telegram_api_base: str = Field(
        default="https://api.telegram.org",
        description="Bot API server (a local Bot API server or a proxy in front of Telegram).",
    )
    telegram_api_timeout_seconds: float = 10.0
    telegram_webhook_url: str = Field(
        default="", description="Public webhook URL; empty: public_base_url/channels/telegram."
    )
    telegram_max_body_bytes: int = 256 * 1024
    telegram_sweep_after_seconds: int = Field(
        default=120, description="Re-enqueue an update or media still pending after this long."
    )
    telegram_max_attempts: int = Field(
        default=8, description="Give up on an update (status failed) after this many runs."
    )
    # --- end telegram ---

    # --- knowledge ---
    knowledge_searches_per_minute: int = Field(
        default=30, description="Public knowledge-base searches per client and minute."
    )
    # --- end knowledge ---

    # --- voice ---
    voice_asr_engine: str = Field(
        default="whisper", description="Speech recognition engine: whisper | paddle | none."
    )
    voice_whisper_model_dir: Path | None = Field(
        default=None,
        description="A local CTranslate2 Whisper model; empty: the packaged, verified base model.",
    )
    voice_whisper_compute_type: str = "int8"
    voice_whisper_cpu_threads: int = 2
    voice_whisper_beam_size: int = 1
    voice_whisper_initial_prompt: str = Field(
        default="", description="Prompt for Whisper, e.g. '以下是普通话的句子。' (see README)."
    )
    voice_paddle_home: Path | None = Field(
        default=None, description="PPSPEECH_HOME for PaddleSpeech; models are never downloaded."
    )
    voice_paddle_asr_model: str = "conformer_wenetspeech"
    voice_paddle_asr_config: Path | None = None
    voice_paddle_asr_ckpt: Path | None = Field(
        default=None, description="Checkpoint path without '.pdparams'."
    )
    voice_paddle_asr_decode_method: str = "attention_rescoring"
    voice_tts_engine: str = Field(default="espeak", description="TTS engine: espeak | paddle.")
    voice_espeak_voice: str = "cmn-latn-pinyin"
    voice_espeak_speed: int = 150
    voice_paddle_tts_dir: Path | None = Field(
        default=None, description="Folder with am/ and voc/ of a PaddleSpeech TTS release."
    )
    voice_paddle_tts_am: str = "fastspeech2_csmsc"
    voice_paddle_tts_voc: str = "hifigan_csmsc"
    voice_ffmpeg: str = "ffmpeg"
    voice_max_audio_bytes: int = 10 * 1024 * 1024
    voice_max_audio_seconds: int = 600
    voice_call_enabled: bool = Field(default=False, description="Serve /channels/voice.")
    voice_call_secret: str = Field(
        default="", description="HMAC-SHA256 key shared with the call-centre platform."
    )
    voice_call_timestamp_window_seconds: int = 300
    # --- end voice ---

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
        if self.telegram_enabled:
            self._enforce_telegram_secrets()
        self._enforce_mobile_secrets()
        self._enforce_voice_secrets()
        return self

    def _enforce_voice_secrets(self) -> None:
        # Anyone could post recordings or read call tasks with a guessable key: refused in
        # every mode once the phone channel is on.
        if self.voice_call_enabled and (
            len(self.voice_call_secret) < 32 or self.voice_call_secret in PLACEHOLDER_SECRETS
        ):
            raise ValueError("HOTLINE_VOICE_CALL_SECRET must be at least 32 characters.")

    def _enforce_mobile_secrets(self) -> None:
        # The console provider logs sign-in codes: anyone reading logs could sign in as anyone.
        if self.mode is Mode.PRODUCTION and self.sms_provider == "console":
            raise ValueError("HOTLINE_SMS_PROVIDER=console is for development only.")
        if self.sms_provider not in ("", "console", "aliyun"):
            raise ValueError("HOTLINE_SMS_PROVIDER must be console or aliyun.")
        required: list[str] = []
        if self.sms_provider == "aliyun":
            required += ["sms_access_key_id", "sms_access_key_secret", "sms_sign_name"]
            required += ["sms_template_code"]
        if self.media_storage == "s3":
            required += ["s3_endpoint_url", "s3_bucket", "s3_access_key_id", "s3_secret_access_key"]
        elif self.media_storage != "local":
            raise ValueError("HOTLINE_MEDIA_STORAGE must be local or s3.")
        if self.miniprogram_app_id and self.mode is Mode.PRODUCTION:
            required.append("miniprogram_app_secret")
        for name in required:
            if getattr(self, name).lower() in PLACEHOLDER_SECRETS:
                raise ValueError(f"HOTLINE_{name.upper()} must be set.")

    @property
    def effective_sms_provider(self) -> str:
        """The SMS provider in use; '' means SMS sign-in is off."""
        if self.sms_provider:
            return self.sms_provider
        return "console" if self.is_development else ""

    def _enforce_telegram_secrets(self) -> None:
        # Telegram refuses other characters in setWebhook; saying so at start-up is clearer.
        secret = self.telegram_webhook_secret
        if secret and not _TELEGRAM_SECRET.fullmatch(secret):
            raise ValueError("HOTLINE_TELEGRAM_WEBHOOK_SECRET must be 1-256 of A-Z a-z 0-9 _ -.")
        if self.mode is Mode.PRODUCTION:
            for name in ("telegram_bot_token", "telegram_webhook_secret"):
                if getattr(self, name).lower() in PLACEHOLDER_SECRETS:
                    raise ValueError(f"HOTLINE_{name.upper()} must be set in production mode.")
            if len(secret) < 16:
                raise ValueError("HOTLINE_TELEGRAM_WEBHOOK_SECRET must be 16+ chars in production.")

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
