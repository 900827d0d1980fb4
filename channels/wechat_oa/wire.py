"""An ``IntakeMessage`` as JSON, for the one task that must carry a message: a turn answered
later. It is the citizen's own words, replayed through the idempotent ``receive``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from intake.messages import IntakeMessage, Location, Media

CHANNEL = "wechat"


def message_to_dict(message: IntakeMessage) -> dict[str, Any]:
    return {
        "channel": message.channel,
        "sender": message.sender,
        "external_id": message.external_id,
        "text": message.text,
        "media": [{"kind": m.kind, "ref": m.ref, "mime_type": m.mime_type} for m in message.media],
        "location": None
        if message.location is None
        else {
            "latitude": message.location.latitude,
            "longitude": message.location.longitude,
            "label": message.location.label,
        },
        "received_at": message.received_at.isoformat() if message.received_at else None,
        "region_hint": message.region_hint,
    }


def message_from_dict(data: dict[str, Any]) -> IntakeMessage:
    location = data.get("location")
    received = data.get("received_at")
    return IntakeMessage(
        channel=data["channel"],
        sender=data["sender"],
        external_id=data["external_id"],
        text=data.get("text", ""),
        media=tuple(Media(**item) for item in data.get("media", ())),
        location=Location(**location) if location else None,
        received_at=datetime.fromisoformat(received) if received else None,
        region_hint=data.get("region_hint", ""),
    )
