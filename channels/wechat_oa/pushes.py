"""The pushes WeChat sends, as types: messages (with a MsgId) and events.

Attribute names follow wechatpy's (``source``, ``target``, ``time``, ``id``, ``content``,
``media_id``, ``recognition``, ``scene_id``...), so the shared vectors' expected attributes apply
as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Push:
    """What every push has. ``type`` is the lower-cased MsgType."""

    type: str
    source: str  # the citizen's openid
    target: str  # the account's original id (gh_...)
    time: int
    id: int = 0
    raw: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def dedup_key(self) -> str:
        """WeChat's retry key: MsgId for messages (events override it)."""
        return str(self.id)


@dataclass(frozen=True, kw_only=True)
class TextMessage(Push):
    content: str


@dataclass(frozen=True, kw_only=True)
class ImageMessage(Push):
    media_id: str
    image: str  # PicUrl


@dataclass(frozen=True, kw_only=True)
class VoiceMessage(Push):
    media_id: str
    format: str
    recognition: str | None = None


@dataclass(frozen=True, kw_only=True)
class LocationMessage(Push):
    location_x: str  # latitude, as WeChat sends it
    location_y: str  # longitude
    scale: str
    label: str
    latitude: float
    longitude: float


@dataclass(frozen=True, kw_only=True)
class LinkMessage(Push):
    title: str
    description: str
    url: str


@dataclass(frozen=True, kw_only=True)
class UnknownMessage(Push):
    pass


@dataclass(frozen=True, kw_only=True)
class Event(Push):
    """An event push. ``event`` is lower-cased, as wechatpy names it."""

    event: str

    @property
    def dedup_key(self) -> str:
        # Events have no MsgId: WeChat's documented key is FromUserName + CreateTime. The event
        # and its key are added so two menu taps within one second are not taken for a retry
        # (a retry repeats them too). Kept short: the intake dedup column holds 128 chars.
        key = self.raw.get("EventKey", "")
        if len(key) > 16:
            key = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
        return f"{self.source}:{self.time}:{self.raw.get('Event', self.event)[:16]}:{key}"


@dataclass(frozen=True, kw_only=True)
class SubscribeEvent(Event):
    pass


@dataclass(frozen=True, kw_only=True)
class SubscribeScanEvent(Event):
    """Followed by scanning a parametric QR code (a region's poster)."""

    scene_id: str
    ticket: str


@dataclass(frozen=True, kw_only=True)
class UnsubscribeEvent(Event):
    pass


@dataclass(frozen=True, kw_only=True)
class ScanEvent(Event):
    scene_id: str
    ticket: str


@dataclass(frozen=True, kw_only=True)
class LocationEvent(Event):
    latitude: float
    longitude: float
    precision: float


@dataclass(frozen=True, kw_only=True)
class ClickEvent(Event):
    key: str


@dataclass(frozen=True, kw_only=True)
class ViewEvent(Event):
    url: str


@dataclass(frozen=True, kw_only=True)
class TemplateSendJobFinishEvent(Event):
    """Delivery report of a template message; ``id`` is the msgid returned when sending."""

    status: str


@dataclass(frozen=True, kw_only=True)
class UnknownEvent(Event):
    pass
