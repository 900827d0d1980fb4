"""The two types every channel speaks: what a citizen sent, and what the service answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float | None = None
    longitude: float | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Media:
    """An attachment already stored by the channel (images, audio); ``ref`` is its storage key."""

    kind: str  # image | audio | video | file
    ref: str
    mime_type: str = ""


@dataclass(frozen=True, slots=True)
class IntakeMessage:
    """One inbound message, normalised. ``external_id`` is the channel's dedup key."""

    channel: str
    sender: str
    external_id: str
    text: str = ""
    media: tuple[Media, ...] = ()
    location: Location | None = None
    received_at: datetime | None = None
    # Where the citizen came from when the channel knows (a region's QR poster, the app's city).
    region_hint: str = ""
    language: str = "zh-CN"


@dataclass(frozen=True, slots=True)
class Button:
    """A choice the citizen can tap where the channel has buttons; ``reply`` is what it sends."""

    label: str
    reply: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the citizen. Channels render ``buttons`` if they can, else show the text."""

    text: str
    buttons: tuple[Button, ...] = ()
    ticket_number: str = ""
    # machine-readable hint for channels: e.g. "emergency:119" lets the phone channel transfer
    action: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        buttons = tuple(Button(**b) for b in data.get("buttons", ()))
        return cls(
            text=data["text"],
            buttons=buttons,
            ticket_number=data.get("ticket_number", ""),
            action=data.get("action", ""),
        )


@dataclass(slots=True)
class ReceiveResult:
    """What ``receive`` returns: the replies, and whether this was a repeat of a message seen."""

    replies: list[Reply] = field(default_factory=list)
    duplicate: bool = False
