"""Bot API failures, classified so a caller knows whether to retry or to use another channel.

Retriable: 429 (flood control, after ``retry_after`` seconds), 5xx, timeouts and connection
failures, an unreadable answer (a proxy's error page). Permanent: the user blocked the bot (403),
the chat does not exist (400 chat not found), and every other 4xx: the same call fails again.
"""

from __future__ import annotations

from aiogram.exceptions import (
    AiogramError,
    ClientDecodeError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)


class TelegramError(Exception):
    """A Bot API call failed; ``retriable`` says whether the same call may succeed later."""

    retriable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RetriableTelegramError(TelegramError):
    retriable = True

    def __init__(self, message: str, *, retry_after: float = 30.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentTelegramError(TelegramError):
    """The same call will fail again; the caller should fall back to another channel."""


class BotBlocked(PermanentTelegramError):
    """403: the user blocked the bot (or deleted their account)."""


class ChatNotFound(PermanentTelegramError):
    """400 chat not found: not a chat id this bot can write to."""


# A flood-control wait without a stated delay, and the back-off for server errors.
DEFAULT_RETRY_SECONDS = 30.0


def classify(exc: AiogramError) -> TelegramError:
    """The typed error for what aiogram raised."""
    message = str(exc)[:255]
    if isinstance(exc, TelegramRetryAfter):
        return RetriableTelegramError(message, retry_after=float(exc.retry_after))
    # A 413 is raised as a network error, but the same body fails again.
    if isinstance(exc, TelegramEntityTooLarge):
        return PermanentTelegramError(message)
    if isinstance(exc, TelegramNetworkError | TelegramServerError | ClientDecodeError):
        return RetriableTelegramError(message, retry_after=DEFAULT_RETRY_SECONDS)
    if isinstance(exc, TelegramForbiddenError):
        return BotBlocked(message)
    if isinstance(exc, TelegramBadRequest) and "chat not found" in str(exc).lower():
        return ChatNotFound(message)
    return PermanentTelegramError(message)
