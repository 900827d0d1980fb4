"""HOOK for the voice package: what a voice note (OGG/Opus) does on Telegram.

The voice package has no transcription yet. Today the recording is stored (``media.register``
queued its download) and the citizen is asked, politely and from the catalogue, to type instead.

When ``voice/`` offers transcription (``voice.asr.transcriber_for(settings)``, whose
``async transcribe(audio, *, audio_format)`` is taking shape there), ``on_voice_note`` should
instead answer that the recording is being recognised and enqueue a task (here in
``channels/telegram``, not in ``voice/``) that waits for the stored audio, transcribes it and
feeds the words to ``intake.receive`` as ``IntakeMessage(text=words, media=(audio,),
external_id=f"voice:{update_id}")``, sending the replies with ``TelegramSender`` under the key
``f"voice:{update_id}"``, as ``channels/wechat_oa/background.transcribe_voice`` does for WeChat.
"""

from __future__ import annotations

from aiogram.types import User

from channels.telegram.turns import Deps, says
from intake.messages import Media, Reply


async def on_voice_note(*, audio: Media, user: User | None, deps: Deps) -> list[Reply]:
    """The replies to a voice note whose recording ``audio`` is being stored."""
    return [says(user, "telegram.voice_unsupported")]
