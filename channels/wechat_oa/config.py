"""What the WeChat channel needs from the settings, built once per settings object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from channels.wechat_oa.crypto import aes_key
from hotline.settings import Settings


@dataclass(frozen=True)
class WechatConfig:
    enabled: bool
    token: str
    app_id: str
    app_secret: str
    # Current key first, then the one before the last rotation (still accepted inbound).
    aes_keys: tuple[bytes, ...]
    api_base: str
    api_timeout: float
    timestamp_window: int
    reply_budget: float
    max_body: int
    templates: Mapping[str, str]
    template_fields: Mapping[str, str]
    ticket_url: str
    scene_regions: Mapping[str, str]
    redis_url: str

    def ticket_link(self, number: str) -> str:
        return self.ticket_url.format(number=number)


def parse_pairs(value: str) -> dict[str, str]:
    """``'a=b, c=d'`` as a mapping; empty items are skipped."""
    pairs: dict[str, str] = {}
    for item in value.split(","):
        name, sep, target = item.partition("=")
        if sep and name.strip() and target.strip():
            pairs[name.strip()] = target.strip()
    return pairs


# Keyed by id, holding the settings too: a live object's id is never reused by another.
_cache: dict[int, tuple[Settings, WechatConfig]] = {}


def wechat_config(settings: Settings) -> WechatConfig:
    """The channel configuration for these settings (cached per settings object)."""
    cached = _cache.get(id(settings))
    if cached is not None and cached[0] is settings:
        return cached[1]
    keys = tuple(
        aes_key(value)
        for value in (
            settings.wechat_encoding_aes_key,
            settings.wechat_previous_encoding_aes_key,
        )
        if value
    )
    config = WechatConfig(
        enabled=settings.wechat_enabled,
        token=settings.wechat_token,
        app_id=settings.wechat_app_id,
        app_secret=settings.wechat_app_secret,
        aes_keys=keys,
        api_base=settings.wechat_api_base.rstrip("/"),
        api_timeout=settings.wechat_api_timeout_seconds,
        timestamp_window=settings.wechat_timestamp_window_seconds,
        reply_budget=settings.wechat_reply_budget_seconds,
        max_body=settings.wechat_max_body_bytes,
        templates={
            "accepted": settings.wechat_template_accepted,
            "replied": settings.wechat_template_replied,
            "closed": settings.wechat_template_closed,
        },
        template_fields=parse_pairs(settings.wechat_template_fields),
        ticket_url=settings.wechat_ticket_url
        or settings.public_base_url.rstrip("/") + "/progress?number={number}",
        scene_regions=parse_pairs(settings.wechat_scene_regions),
        redis_url=settings.redis_url,
    )
    _cache[id(settings)] = (settings, config)
    return config
