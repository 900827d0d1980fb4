"""Speech to text for voice messages WeChat did not transcribe, behind a small interface.

The engine belongs to the ``voice`` package (``voice.asr.transcribe_audio``, chosen by
``HOTLINE_VOICE_ASR_ENGINE``). Its refusals (audio it will not take, no engine installed) become
``TranscriptionFailed``: the recording is then still attached to the request and the citizen is
asked to describe the problem in words, instead of the task failing without an answer.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from hotline.settings import Settings
from voice import asr
from voice.errors import VoiceError


class TranscriptionFailed(Exception):
    """No usable text came out of the recording (no engine, bad audio, an engine error)."""


class Transcriber(Protocol):
    async def transcribe(self, audio: bytes, *, audio_format: str) -> str:
        """The words spoken in ``audio`` (``audio_format`` as WeChat names it: amr, speex)."""
        ...


class VoiceTranscriber:
    """The configured ``voice`` engine; blocking and CPU-bound, so run off the event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def transcribe(self, audio: bytes, *, audio_format: str) -> str:
        # The format is sniffed from the bytes by voice.audio; WeChat's claim is not needed.
        try:
            result = await asyncio.to_thread(asr.transcribe_audio, audio, settings=self.settings)
        except VoiceError as exc:
            raise TranscriptionFailed(str(exc)) from exc
        return result.text


class NoTranscriber:
    """For deployments (and tests) without speech recognition."""

    async def transcribe(self, audio: bytes, *, audio_format: str) -> str:
        raise TranscriptionFailed("no speech recognition engine is configured")


def transcriber_for(settings: Settings) -> Transcriber:
    """The transcriber the worker uses for these settings."""
    return VoiceTranscriber(settings)
