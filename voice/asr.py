"""Speech to text: one engine interface, engines chosen by ``HOTLINE_VOICE_ASR_ENGINE``.

``transcribe_audio(data, settings=...)`` is what callers use: any accepted recording in, a
``Transcript`` in simplified Chinese out. Engines load their model once per process (a worker
keeps it between tasks) and are never used inside a web request: transcription takes seconds
of CPU, so it runs in Celery tasks (``channels.voice_intake``, ``channels.voice_tasks``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from hotline.settings import Settings
from voice.audio import AudioLimits, Pcm, rms_dbfs, to_pcm16k
from voice.errors import EngineUnavailable

logger = logging.getLogger(__name__)

# Below this loudness a recording is treated as silence: Whisper invents text for silence.
SILENCE_DBFS = -55.0


@dataclass(frozen=True)
class Transcript:
    """What was said. ``confidence`` is in [0, 1]: the engine's own score, not calibrated
    across engines; below about 0.4 an operator should listen to the recording."""

    text: str
    confidence: float
    duration: float
    engine: str = ""


MANDARIN = "zh"


class AsrEngine(Protocol):
    name: str

    def transcribe(self, pcm: Pcm, language: str | None = MANDARIN) -> Transcript:
        """Recognise 16 kHz mono PCM (``voice.audio.to_pcm16k``). Blocking, CPU-bound.
        ``language`` None lets an engine that can tell Mandarin from English decide."""
        ...


class EngineName(StrEnum):
    WHISPER = "whisper"
    PADDLE = "paddle"
    NONE = "none"


def _whisper(settings: Settings) -> AsrEngine:
    from voice.engines.whisper import WhisperEngine

    return WhisperEngine.from_settings(settings)


def _paddle(settings: Settings) -> AsrEngine:
    from voice.engines.paddle_asr import PaddleAsrEngine

    return PaddleAsrEngine.from_settings(settings)


def _none(settings: Settings) -> AsrEngine:
    raise EngineUnavailable("speech recognition is switched off (HOTLINE_VOICE_ASR_ENGINE=none)")


# Factories import their engine's heavy packages only when chosen.
ENGINES: dict[EngineName, Callable[[Settings], AsrEngine]] = {
    EngineName.WHISPER: _whisper,
    EngineName.PADDLE: _paddle,
    EngineName.NONE: _none,
}

_loaded: dict[tuple[object, ...], AsrEngine] = {}
_lock = threading.Lock()


def _engine_key(settings: Settings) -> tuple[object, ...]:
    return tuple(
        getattr(settings, name)
        for name in sorted(Settings.model_fields)
        if name.startswith("voice_")
    )


def engine_for(settings: Settings) -> AsrEngine:
    """The configured engine, loaded once per process and configuration."""
    try:
        name = EngineName(settings.voice_asr_engine)
    except ValueError as exc:
        raise EngineUnavailable(f"unknown ASR engine {settings.voice_asr_engine!r}") from exc
    key = _engine_key(settings)
    with _lock:  # two threads asking at once must not load the model twice
        engine = _loaded.get(key)
        if engine is None:
            engine = ENGINES[name](settings)
            _loaded[key] = engine
        return engine


def limits_of(settings: Settings) -> AudioLimits:
    return AudioLimits(
        max_bytes=settings.voice_max_audio_bytes, max_seconds=settings.voice_max_audio_seconds
    )


def transcribe_pcm(pcm: Pcm, *, engine: AsrEngine, language: str | None = MANDARIN) -> Transcript:
    """Recognise decoded audio; silence gives an empty transcript without running the model."""
    if rms_dbfs(pcm) < SILENCE_DBFS:
        return Transcript(text="", confidence=0.0, duration=pcm.duration, engine=engine.name)
    raw = engine.transcribe(pcm, language)
    return Transcript(
        text=tidy(raw.text), confidence=raw.confidence, duration=raw.duration, engine=raw.engine
    )


def transcribe_audio(
    data: bytes, *, settings: Settings, language: str | None = MANDARIN
) -> Transcript:
    """Any accepted recording (AMR, SILK, mp3, m4a, WAV, ...) to text: simplified Chinese, or
    English when ``language`` is None and the speaker spoke English.

    Raises ``AudioRejected`` for audio we will not take and ``EngineUnavailable`` when the
    engine cannot run here. Blocking: call it from a worker (or ``asyncio.to_thread``).
    """
    pcm = to_pcm16k(data, limits=limits_of(settings), ffmpeg=settings.voice_ffmpeg)
    return transcribe_pcm(pcm, engine=engine_for(settings), language=language)


_REPEATS = re.compile(r"(.{1,4}?)\1{4,}")
_SPACES = re.compile(r"\s+")


def tidy(text: str) -> str:
    """Simplified characters, no runs of a repeated syllable (a Whisper failure mode on noise),
    spaces only between Latin words."""
    from zhconv import convert

    text = convert(text, "zh-cn")
    text = _REPEATS.sub(r"\1", text)
    text = _SPACES.sub(" ", text).strip()
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)


class SpeechTranscriber:
    """``async transcribe(audio, audio_format=...) -> str`` over the configured engine: the
    interface ``channels.wechat_oa.transcribe`` expects. The format is sniffed from the bytes, so
    ``audio_format`` (what the platform claimed) is not needed."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.last: Transcript | None = None

    async def transcribe(self, audio: bytes, *, audio_format: str) -> str:
        result = await asyncio.to_thread(transcribe_audio, audio, settings=self.settings)
        self.last = result
        return result.text


def transcriber_for(settings: Settings) -> SpeechTranscriber:
    """The adapter the WeChat channel looks up by name (see ``channels.wechat_oa.transcribe``)."""
    return SpeechTranscriber(settings)
