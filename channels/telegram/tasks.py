"""Celery tasks of the Telegram channel: thin wrappers that build dependencies and call the
channel's functions. Flood control (429) retries after Telegram's ``retry_after``; other
retriable failures (5xx, timeouts) after the same wait, up to ``max_retries``; past that the
sweep picks the row up again until ``telegram_max_attempts``.

aiogram is imported inside the tasks that use it: importing it takes seconds, and every worker
imports this module at start-up, whether or not the channel is enabled.
"""

from __future__ import annotations

from datetime import UTC, datetime

from channels.jobs import CeleryJobs
from channels.telegram.config import NotConfigured, has_token, telegram_config
from channels.telegram.sweep import sweep as sweep_now
from hotline.celery_app import hotline_task
from hotline.settings import get_settings
from intake.config import intake_config
from intake.storage import StorageError


@hotline_task("telegram.process_update", max_retries=8)
async def process_update(update_row_id: int) -> str:
    """Handle one stored update: the dialogue turn and its replies."""
    from channels.telegram import inbound
    from channels.telegram.client import open_bot
    from channels.telegram.errors import RetriableTelegramError
    from channels.telegram.turns import Deps

    settings = get_settings()
    config = telegram_config(settings)
    deps = Deps(settings=settings, intake=intake_config(settings), jobs=CeleryJobs(settings))
    async with open_bot(config) as bot:
        try:
            return await inbound.process(
                update_row_id=update_row_id, bot=bot, deps=deps, max_attempts=config.max_attempts
            )
        except RetriableTelegramError as exc:
            raise process_update.retry(countdown=exc.retry_after, exc=exc) from exc


@hotline_task("telegram.fetch_media", max_retries=8)
async def fetch_media(media_row_id: int) -> str:
    """Download a photo or voice note a citizen sent (a voice note then goes to ASR)."""
    from channels.telegram import media
    from channels.telegram.client import open_bot
    from channels.telegram.errors import DEFAULT_RETRY_SECONDS, RetriableTelegramError

    settings = get_settings()
    async with open_bot(telegram_config(settings)) as bot:
        try:
            row = await media.fetch(
                media_row_id=media_row_id, bot=bot, settings=settings, jobs=CeleryJobs(settings)
            )
        except RetriableTelegramError as exc:
            raise fetch_media.retry(countdown=exc.retry_after, exc=exc) from exc
        except StorageError as exc:  # S3 unreachable or refusing: the download is kept for later
            raise fetch_media.retry(countdown=DEFAULT_RETRY_SECONDS, exc=exc) from exc
    return row.status


@hotline_task("telegram.reply_voice", max_retries=8)
async def reply_voice(channel: str, sender: str, external_id: str) -> int:
    """Send the replies of a transcribed voice note (queued by ``voice.transcribe_message``
    with the recording's channel, sender and dedup key); returns how many."""
    from channels.telegram import voice
    from channels.telegram.client import open_bot
    from channels.telegram.errors import RetriableTelegramError

    settings = get_settings()
    async with open_bot(telegram_config(settings)) as bot:
        try:
            replies = await voice.send_transcribed_turn(
                external_id=external_id, bot=bot, intake=intake_config(settings)
            )
        except RetriableTelegramError as exc:
            raise reply_voice.retry(countdown=exc.retry_after, exc=exc) from exc
    return len(replies)


@hotline_task("telegram.sweep", max_retries=0)
async def sweep() -> dict[str, int]:
    """Queue again what the webhook stored but no worker finished."""
    settings = get_settings()
    config = telegram_config(settings)
    if not config.enabled:
        return {"updates": 0, "media": 0}
    if not has_token(config):
        # Queueing them would only fail again; they wait, pending, and this says why.
        raise NotConfigured("HOTLINE_TELEGRAM_BOT_TOKEN is not set to a bot token")
    return await sweep_now(config=config, jobs=CeleryJobs(settings), now=datetime.now(UTC))
