"""What every handler shares: its dependencies, its answer, and one conversation turn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from aiogram.types import User

from channels.jobs import Jobs
from channels.telegram import CHANNEL, chats
from hotline.settings import Settings
from intake.catalogue import DEFAULT_LANGUAGE, catalogue_language, text
from intake.config import IntakeConfig
from intake.messages import IntakeMessage, Location, Media, Reply
from intake.receive import receive


@dataclass(frozen=True)
class Deps:
    """Passed to every handler by ``Dispatcher.feed_update(..., deps=...)``."""

    settings: Settings
    intake: IntakeConfig
    jobs: Jobs


@dataclass(frozen=True)
class Answer:
    """What a handler returns: the replies for one chat; the caller sends them."""

    chat_id: int
    replies: list[Reply]


def language_code(user: User | None) -> str:
    return (user.language_code or "") if user else ""


def says(user: User | None, key: str, **params: object) -> Reply:
    """One of the adapter's own catalogue sentences, in the user's language."""
    return Reply(text(key, language=catalogue_language(language_code(user)), **params))


async def converse(
    *,
    deps: Deps,
    chat_id: int,
    user: User | None,
    external_id: str,
    at: datetime | None = None,
    said: str = "",
    media: Sequence[Media] = (),
    location: Location | None = None,
) -> list[Reply]:
    """One turn of the shared dialogue: ``intake.receive`` decides, we only translate."""
    code = language_code(user)
    chat = await chats.touch(chat_id=chat_id, language_code=code, at=at or datetime.now(UTC))
    message = IntakeMessage(
        channel=CHANNEL,
        sender=str(chat_id),
        external_id=external_id,
        text=said,
        media=tuple(media),
        location=location,
        received_at=at,
        region_hint=chat.region_code,
        language=code or DEFAULT_LANGUAGE,
    )
    result = await receive(message, config=deps.intake)
    return result.replies
