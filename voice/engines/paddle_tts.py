"""PaddleSpeech TTS (acoustic model + vocoder, e.g. FastSpeech2 + HiFiGAN on CSMSC) from a
local folder: the natural-sounding production voice. Optional (``pip install '.[paddle]'``).

``HOTLINE_VOICE_PADDLE_TTS_DIR`` holds ``am/`` and ``voc/``, each the unpacked release archive
(``am/``: the YAML config, ``*.pdz`` checkpoint, ``*stats.npy``, ``phone_id_map.txt``;
``voc/``: YAML, ``*.pdz``, ``*stats.npy``). Files are found by pattern, so the archives'
own file names can stay. Nothing is downloaded: every path is passed to the executor.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline.settings import Settings
from voice.audio import Pcm, read_wav
from voice.engines.paddle_asr import prepare_home
from voice.errors import EngineUnavailable, SynthesisFailed


def _one(folder: Path, pattern: str) -> str:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise EngineUnavailable(f"expected one {pattern} in {folder}, found {len(found)}")
    return str(found[0])


@dataclass
class PaddleTtsEngine:
    executor: Any
    options: dict[str, Any]
    name: str = "paddle"

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> PaddleTtsEngine:
        folder = settings.voice_paddle_tts_dir
        if folder is None or not (folder / "am").is_dir() or not (folder / "voc").is_dir():
            raise EngineUnavailable("HOTLINE_VOICE_PADDLE_TTS_DIR must hold am/ and voc/")
        am, voc = folder / "am", folder / "voc"
        options = {
            "am": settings.voice_paddle_tts_am,
            "am_config": _one(am, "*.yaml"),
            "am_ckpt": _one(am, "*.pdz"),
            "am_stat": _one(am, "*stats.npy"),
            "phones_dict": _one(am, "phone_id_map.txt"),
            "voc": settings.voice_paddle_tts_voc,
            "voc_config": _one(voc, "*.yaml"),
            "voc_ckpt": _one(voc, "*.pdz"),
            "voc_stat": _one(voc, "*stats.npy"),
            "lang": "zh",
            "device": "cpu",
        }
        prepare_home(settings)
        try:
            from paddlespeech.cli.tts.infer import TTSExecutor
        except ImportError as exc:
            raise EngineUnavailable(f"PaddleSpeech is not installed ({exc})") from exc
        engine = cls(executor=TTSExecutor(), options=options)
        engine.name = f"paddle:{options['am']}:{options['voc']}"
        return engine

    def synthesize(self, text: str) -> Pcm:
        with self._lock, tempfile.TemporaryDirectory() as tmp:
            output = Path(tmp) / "out.wav"
            self.executor(text=text, output=str(output), **self.options)
            if not output.is_file():
                raise SynthesisFailed("PaddleSpeech wrote no audio")
            return read_wav(output.read_bytes())
