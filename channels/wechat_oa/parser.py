"""The one parser of WeChat pushes: safe XML in, a typed message or event out.

XML goes through defusedxml with DTDs forbidden, so entity expansion ("billion laughs") and
external entities never run. Types are looked up in a map with a fallback (as wechatpy's
``MESSAGE_TYPES.get(type, UnknownMessage)``): a type WeChat adds tomorrow is answered politely,
never crashed on. The types are in ``pushes``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TypedDict
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from channels.wechat_oa.pushes import (
    ClickEvent,
    ImageMessage,
    LinkMessage,
    LocationEvent,
    LocationMessage,
    Push,
    ScanEvent,
    SubscribeEvent,
    SubscribeScanEvent,
    TemplateSendJobFinishEvent,
    TextMessage,
    UnknownEvent,
    UnknownMessage,
    UnsubscribeEvent,
    ViewEvent,
    VoiceMessage,
)

MAX_FIELDS = 64
LATEST_TIME = 4_102_444_800  # 2100-01-01: a CreateTime past it is not WeChat's


class MalformedPush(ValueError):
    """The body is not a WeChat push we can read (bad XML, DTD, missing or bad fields)."""


def read_fields(body: bytes | str) -> dict[str, str]:
    """The ``<xml>`` element's children as a flat mapping; nested elements are skipped."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError, TypeError) as exc:
        raise MalformedPush(f"unreadable XML: {type(exc).__name__}") from exc
    if root.tag != "xml":
        raise MalformedPush("root element is not <xml>")
    if len(root) > MAX_FIELDS:
        raise MalformedPush("too many elements")
    return {child.tag: (child.text or "").strip() for child in root if not len(child)}


Fields = Mapping[str, str]


class Common(TypedDict):
    type: str
    source: str
    target: str
    time: int
    id: int
    raw: Mapping[str, str]


class EventCommon(Common):
    event: str


def _number(fields: Fields, name: str, *, default: str | None = None, limit: int = 2**63) -> int:
    value = fields.get(name, default)
    # isdigit() alone admits fullwidth and superscript digits; WeChat sends ASCII only.
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 20:
        raise MalformedPush(f"{name} is not a number")
    if int(value) >= limit:
        raise MalformedPush(f"{name} is not a number in range")
    return int(value)


def _decimal(fields: Fields, name: str) -> float:
    try:
        value = float(fields.get(name, ""))
    except ValueError as exc:
        raise MalformedPush(f"{name} is not a decimal") from exc
    if not math.isfinite(value):
        raise MalformedPush(f"{name} is not finite")
    return value


def _text(f: Fields, c: Common) -> Push:
    return TextMessage(**c, content=f.get("Content", ""))


def _image(f: Fields, c: Common) -> Push:
    return ImageMessage(**c, media_id=f.get("MediaId", ""), image=f.get("PicUrl", ""))


def _voice(f: Fields, c: Common) -> Push:
    recognition = f.get("Recognition") or None
    return VoiceMessage(
        **c, media_id=f.get("MediaId", ""), format=f.get("Format", ""), recognition=recognition
    )


def _location(f: Fields, c: Common) -> Push:
    return LocationMessage(
        **c,
        location_x=f.get("Location_X", ""),
        location_y=f.get("Location_Y", ""),
        scale=f.get("Scale", ""),
        label=f.get("Label", ""),
        latitude=_decimal(f, "Location_X"),
        longitude=_decimal(f, "Location_Y"),
    )


def _link(f: Fields, c: Common) -> Push:
    return LinkMessage(
        **c, title=f.get("Title", ""), description=f.get("Description", ""), url=f.get("Url", "")
    )


def _unknown_message(f: Fields, c: Common) -> Push:
    return UnknownMessage(**c)


def _subscribe(f: Fields, c: EventCommon) -> Push:
    key = f.get("EventKey", "")
    if not key.startswith("qrscene_"):
        return SubscribeEvent(**c)
    scanned = c.copy()
    scanned["event"] = "subscribe_scan"
    scene = key.removeprefix("qrscene_")
    return SubscribeScanEvent(**scanned, scene_id=scene, ticket=f.get("Ticket", ""))


def _unsubscribe(f: Fields, c: EventCommon) -> Push:
    return UnsubscribeEvent(**c)


def _scan(f: Fields, c: EventCommon) -> Push:
    return ScanEvent(**c, scene_id=f.get("EventKey", ""), ticket=f.get("Ticket", ""))


def _location_event(f: Fields, c: EventCommon) -> Push:
    return LocationEvent(
        **c,
        latitude=_decimal(f, "Latitude"),
        longitude=_decimal(f, "Longitude"),
        precision=_decimal(f, "Precision"),
    )


def _click(f: Fields, c: EventCommon) -> Push:
    return ClickEvent(**c, key=f.get("EventKey", ""))


def _view(f: Fields, c: EventCommon) -> Push:
    return ViewEvent(**c, url=f.get("EventKey", ""))


def _template_finish(f: Fields, c: EventCommon) -> Push:
    reported = c.copy()
    reported["id"] = _number(f, "MsgID", default=f.get("MsgId"))
    return TemplateSendJobFinishEvent(**reported, status=f.get("Status", ""))


def _unknown_event(f: Fields, c: EventCommon) -> Push:
    return UnknownEvent(**c)


MESSAGE_TYPES: dict[str, Callable[[Fields, Common], Push]] = {
    "text": _text,
    "image": _image,
    "voice": _voice,
    "location": _location,
    "link": _link,
}
EVENT_TYPES: dict[str, Callable[[Fields, EventCommon], Push]] = {
    "subscribe": _subscribe,
    "unsubscribe": _unsubscribe,
    "scan": _scan,
    "location": _location_event,
    "click": _click,
    "view": _view,
    "templatesendjobfinish": _template_finish,
}


def parse_fields(fields: Fields) -> Push:
    """The typed push for these fields; unknown types become Unknown* instead of failing."""
    source, target = fields.get("FromUserName", ""), fields.get("ToUserName", "")
    if not source or len(source) > 64 or not target:
        raise MalformedPush("FromUserName/ToUserName missing")
    kind = fields.get("MsgType", "").lower()
    time = _number(fields, "CreateTime", limit=LATEST_TIME)
    if kind == "event":
        event = EventCommon(
            type=kind,
            source=source,
            target=target,
            time=time,
            id=0,
            raw=dict(fields),
            event=fields.get("Event", "").lower(),
        )
        return EVENT_TYPES.get(event["event"], _unknown_event)(fields, event)
    common = Common(
        type=kind,
        source=source,
        target=target,
        time=time,
        id=_number(fields, "MsgId", default="0"),
        raw=dict(fields),
    )
    return MESSAGE_TYPES.get(kind, _unknown_message)(fields, common)


def parse_push(body: bytes | str) -> Push:
    """Parse a plaintext push body."""
    return parse_fields(read_fields(body))
