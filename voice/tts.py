"""Speech out: one TTS interface, engines chosen by ``HOTLINE_VOICE_TTS_ENGINE``, and the
cache of rendered prompts the call centre plays (8 kHz 16-bit mono WAV, telephone quality).

Prompts are fixed sentences (survey questions, notices): each is rendered once and kept under
``<data dir>/voice/prompts/<sha256 of engine + voice + text>.wav``; every API process and
worker finds the same file, and a change of wording or engine gets a new file.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from hotline.settings import Settings
from voice.audio import TELEPHONE_RATE, Pcm, read_wav, resample, to_wav
from voice.errors import EngineUnavailable, SynthesisFailed


class TtsEngine(Protocol):
    name: str

    def synthesize(self, text: str) -> Pcm:
        """Mono 16-bit speech for ``text`` at the engine's own rate. Blocking."""
        ...


class EspeakEngine:
    """espeak-ng (Debian): robotic but intelligible Mandarin, offline, in milliseconds.
    The ``cmn-latn-pinyin`` voice reads Chinese with tones; plain ``cmn`` reads some
    characters letter by letter (heard here), so it is not the default."""

    def __init__(self, *, voice: str, speed: int, binary: str = "espeak-ng") -> None:
        self.voice, self.speed, self.binary = voice, speed, binary
        self.name = f"espeak-ng:{voice}:{speed}"

    def synthesize(self, text: str) -> Pcm:
        command = [self.binary, "-v", self.voice, "-s", str(self.speed), "--stdout", text]
        try:
            done = subprocess.run(command, capture_output=True, timeout=60)
        except FileNotFoundError as exc:
            raise EngineUnavailable(
                "espeak-ng is not installed (apt-get install espeak-ng)"
            ) from exc
        if done.returncode != 0 or len(done.stdout) <= 44:
            raise SynthesisFailed(done.stderr.decode("utf-8", "replace")[:200] or "no audio")
        return read_wav(done.stdout)


class TtsName(StrEnum):
    ESPEAK = "espeak"
    PADDLE = "paddle"


def _espeak(settings: Settings) -> TtsEngine:
    return EspeakEngine(voice=settings.voice_espeak_voice, speed=settings.voice_espeak_speed)


def _paddle(settings: Settings) -> TtsEngine:
    from voice.engines.paddle_tts import PaddleTtsEngine

    return PaddleTtsEngine.from_settings(settings)


ENGINES: dict[TtsName, Callable[[Settings], TtsEngine]] = {
    TtsName.ESPEAK: _espeak,
    TtsName.PADDLE: _paddle,
}
_loaded: dict[tuple[object, ...], TtsEngine] = {}
_lock = threading.Lock()


def tts_engine_for(settings: Settings) -> TtsEngine:
    """The configured engine, loaded once per process and configuration."""
    try:
        name = TtsName(settings.voice_tts_engine)
    except ValueError as exc:
        raise EngineUnavailable(f"unknown TTS engine {settings.voice_tts_engine!r}") from exc
    key = (
        name,
        settings.voice_espeak_voice,
        settings.voice_espeak_speed,
        settings.voice_paddle_tts_dir,
        settings.voice_paddle_tts_am,
        settings.voice_paddle_tts_voc,
    )
    with _lock:
        engine = _loaded.get(key)
        if engine is None:
            engine = _loaded[key] = ENGINES[name](settings)
        return engine


def telephone_wav(engine: TtsEngine, text: str, *, ffmpeg: str = "ffmpeg") -> bytes:
    """``text`` spoken, as the 8 kHz mono 16-bit WAV telephony platforms play."""
    return to_wav(resample(engine.synthesize(text), TELEPHONE_RATE, ffmpeg=ffmpeg))


def prompt_id(engine: TtsEngine, text: str) -> str:
    """The cache name of a prompt: stable for the same engine, voice and wording."""
    return hashlib.sha256(f"{engine.name}\n{text}".encode()).hexdigest()[:32]


def prompt_dir(settings: Settings) -> Path:
    return settings.data_dir / "voice" / "prompts"


def render_prompt(settings: Settings, text: str) -> tuple[str, Path]:
    """The prompt's id and WAV file, rendered now if no process rendered it before."""
    engine = tts_engine_for(settings)
    name = prompt_id(engine, text)
    target = prompt_dir(settings) / f"{name}.wav"
    if not target.is_file():
        data = telephone_wav(engine, text, ffmpeg=settings.voice_ffmpeg)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{name}.{os.getpid()}.{threading.get_ident()}.part")
        partial.write_bytes(data)
        os.replace(partial, target)  # two renderers race harmlessly: same bytes, atomic rename
    return name, target


def cached_prompt(settings: Settings, name: str) -> Path | None:
    """A rendered prompt by id, or None (ids are hex: no path can be smuggled in)."""
    if len(name) != 32 or any(ch not in "0123456789abcdef" for ch in name):
        return None
    path = prompt_dir(settings) / f"{name}.wav"
    return path if path.is_file() else None
