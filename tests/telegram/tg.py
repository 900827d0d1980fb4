"""Talking to the bot as Telegram does: real Update JSON, posted to the webhook over HTTP."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

SECRET = "hotline-telegram-webhook-secret_0123456789"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

_update_ids = itertools.count(int(time.time()) * 10)
_message_ids = itertools.count(1)
_callback_ids = itertools.count(4_000_000_000_000_000_000)


@dataclass
class Person:
    """A Telegram user in a private chat with the bot; builds the updates they cause."""

    chat_id: int
    first_name: str = "Lin"
    language_code: str | None = "zh-hans"
    sent: list[dict[str, Any]] = field(default_factory=list)

    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.chat_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code is not None:
            user["language_code"] = self.language_code
        return user

    def _message(self, **content: Any) -> dict[str, Any]:
        update = {
            "update_id": next(_update_ids),
            "message": {
                "message_id": next(_message_ids),
                "from": self._user(),
                "chat": {"id": self.chat_id, "first_name": self.first_name, "type": "private"},
                "date": int(time.time()),
                **content,
            },
        }
        self.sent.append(update)
        return update

    def text(self, words: str) -> dict[str, Any]:
        if words.startswith("/"):
            command = words.split()[0]
            entity = {"offset": 0, "length": len(command), "type": "bot_command"}
            return self._message(text=words, entities=[entity])
        return self._message(text=words)

    def photo(self, file_id: str, *, caption: str = "") -> dict[str, Any]:
        sizes = [
            {
                "file_id": f"{file_id}-s",
                "file_unique_id": f"{file_id}s",
                "width": 90,
                "height": 67,
                "file_size": 1200,
            },
            {
                "file_id": file_id,
                "file_unique_id": f"{file_id}x",
                "width": 1280,
                "height": 960,
                "file_size": 98000,
            },
        ]
        extra = {"caption": caption} if caption else {}
        return self._message(photo=sizes, **extra)

    def voice(self, file_id: str, *, duration: int = 3) -> dict[str, Any]:
        voice = {
            "file_id": file_id,
            "file_unique_id": f"{file_id}u",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 5200,
        }
        return self._message(voice=voice)

    def location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return self._message(location={"latitude": latitude, "longitude": longitude})

    def sticker(self) -> dict[str, Any]:
        sticker = {
            "file_id": "STK",
            "file_unique_id": "STKu",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self._message(sticker=sticker)

    def tap(self, sent_message: dict[str, Any], data: str) -> dict[str, Any]:
        """Pressing a button of a message the bot sent (as the fake API recorded it)."""
        message = {
            "message_id": sent_message.get("message_id", 1),
            "from": {"id": 123456789, "is_bot": True, "first_name": "12345"},
            "chat": {"id": self.chat_id, "first_name": self.first_name, "type": "private"},
            "date": int(time.time()),
            "text": sent_message["text"],
            "reply_markup": sent_message["reply_markup"],
        }
        update = {
            "update_id": next(_update_ids),
            "callback_query": {
                "id": str(next(_callback_ids)),
                "from": self._user(),
                "message": message,
                "chat_instance": f"-{self.chat_id}",
                "data": data,
            },
        }
        self.sent.append(update)
        return update

    def blocks_bot(self) -> dict[str, Any]:
        member = {"user": {"id": 123456789, "is_bot": True, "first_name": "12345"}}
        return {
            "update_id": next(_update_ids),
            "my_chat_member": {
                "chat": {"id": self.chat_id, "first_name": self.first_name, "type": "private"},
                "from": self._user(),
                "date": int(time.time()),
                "old_chat_member": {**member, "status": "member"},
                "new_chat_member": {**member, "status": "kicked", "until_date": 0},
            },
        }


async def post(
    http: httpx.AsyncClient, url: str, update: dict[str, Any], *, secret: str | None = SECRET
) -> httpx.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return await http.post(f"{url}/channels/telegram", json=update, headers=headers)
