"""PaddleSpeech TTS (FastSpeech2 acoustic model + a GAN vocoder, e.g. HiFiGAN, on CSMSC) from a
local folder: the natural-sounding production voice. Optional (``pip install '.[paddle]'``).

``HOTLINE_VOICE_PADDLE_TTS_DIR`` holds ``am/`` and ``voc/``, each a released ``*_ckpt_*.zip``
unpacked as it comes (directly or in the one folder the zip creates). ``am/``: the YAML config,
one ``*.pdz`` checkpoint, ``speech_stats.npy`` and ``phone_id_map.txt``; ``voc/``: YAML, one
``*.pdz`` and ``feats_stats.npy`` (any single ``*stats.npy`` is accepted too).

Nothing is downloaded. PaddleSpeech's ``TTSExecutor`` is not used: even with every path given
it builds the Mandarin front end with g2pW, which fetches the G2PWModel archive and the
``bert-base-chinese`` tokenizer on first use. This engine builds the same pieces itself (the
executor's own ``get_am_inference`` / ``get_voc_inference``) with the pypinyin front end
(PaddleSpeech's phrase dictionary, tone sandhi and text normalisation, all in the package), and
refuses the NLTK downloads ``g2p_en`` starts when PaddleSpeech's English front end is imported
(English is not spoken here).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline.settings import Settings
from voice.audio import Pcm
from voice.engines.paddle_asr import _logs_in_home, forbid_runtime_installs, prepare_home
from voice.errors import EngineUnavailable, SynthesisFailed

logger = logging.getLogger(__name__)


def _model_dir(folder: Path) -> Path:
    """``folder`` itself, or the single folder a release zip unpacks into."""
    if any(folder.glob("*.yaml")):
        return folder
    inner = [path for path in folder.iterdir() if path.is_dir() and any(path.glob("*.yaml"))]
    if len(inner) != 1:
        raise EngineUnavailable(f"no model config (*.yaml) in {folder} or one folder below it")
    return inner[0]


def _one(folder: Path, *patterns: str) -> str:
    """The file matching the first pattern that matches exactly one file."""
    for pattern in patterns:
        found = sorted(folder.glob(pattern))
        if len(found) == 1:
            return str(found[0])
    raise EngineUnavailable(f"expected one {' or '.join(patterns)} in {folder}")


@contextmanager
def _no_nltk_downloads() -> Iterator[None]:
    """``g2p_en`` calls ``nltk.download`` at import when NLTK's tagger and CMUdict are missing
    (PaddleSpeech imports it with its English front end): refuse while importing."""
    import nltk

    def refuse(*args: object, **kwargs: object) -> bool:
        logger.info("refused NLTK download %s (English front end unused)", args[:1])
        return False

    original = nltk.download
    nltk.download = refuse
    try:
        yield
    finally:
        nltk.download = original


@dataclass
class PaddleTtsEngine:
    frontend: Any
    acoustic: Any
    vocoder: Any
    rate: int
    name: str = "paddle"

    def __post_init__(self) -> None:
        self._lock = threading.Lock()  # Paddle layers are not safe to share between threads

    @classmethod
    def from_settings(cls, settings: Settings) -> PaddleTtsEngine:
        folder = settings.voice_paddle_tts_dir
        if folder is None or not (folder / "am").is_dir() or not (folder / "voc").is_dir():
            raise EngineUnavailable("HOTLINE_VOICE_PADDLE_TTS_DIR must hold am/ and voc/")
        am_name, voc_name = settings.voice_paddle_tts_am, settings.voice_paddle_tts_voc
        if not am_name.startswith("fastspeech2_") or voc_name.startswith("wavernn_"):
            raise EngineUnavailable(
                f"PaddleSpeech TTS: a FastSpeech2 model and a GAN vocoder, not {am_name}/{voc_name}"
            )
        am, voc = _model_dir(folder / "am"), _model_dir(folder / "voc")
        am_config, voc_config = _one(am, "*.yaml"), _one(voc, "*.yaml")
        am_ckpt, voc_ckpt = _one(am, "*.pdz"), _one(voc, "*.pdz")
        am_stat = _one(am, "speech_stats.npy", "*stats.npy")
        voc_stat = _one(voc, "feats_stats.npy", "*stats.npy")
        phones = _one(am, "phone_id_map.txt")
        prepare_home(settings)
        try:
            with _logs_in_home(), _no_nltk_downloads():
                forbid_runtime_installs()
                import paddle
                import yaml
                from paddlespeech.t2s.exps.syn_utils import get_am_inference, get_voc_inference
                from paddlespeech.t2s.frontend.zh_frontend import Frontend
                from yacs.config import CfgNode
        except ImportError as exc:
            raise EngineUnavailable(f"PaddleSpeech is not installed ({exc})") from exc

        def config(path: str) -> Any:
            with open(path, encoding="utf-8") as f:
                return CfgNode(yaml.safe_load(f))

        paddle.set_device("cpu")
        am_cfg, voc_cfg = config(am_config), config(voc_config)
        if am_cfg.get("fs") != voc_cfg.get("fs"):
            raise EngineUnavailable(f"{am} and {voc} have different sample rates")
        engine = cls(
            frontend=Frontend(g2p_model="pypinyin", phone_vocab_path=phones),
            acoustic=get_am_inference(
                am=am_name,
                am_config=am_cfg,
                am_ckpt=am_ckpt,
                am_stat=am_stat,
                phones_dict=phones,
            ),
            vocoder=get_voc_inference(
                voc=voc_name, voc_config=voc_cfg, voc_ckpt=voc_ckpt, voc_stat=voc_stat
            ),
            rate=int(voc_cfg.fs),
        )
        engine.name = f"paddle:{am_name}:{voc_name}"
        logger.info("PaddleSpeech TTS loaded: %s, %s", am_ckpt, voc_ckpt)
        return engine

    def synthesize(self, text: str) -> Pcm:
        import numpy as np
        import paddle

        with self._lock, paddle.no_grad():
            ids = self.frontend.get_input_ids(text, merge_sentences=False)["phone_ids"]
            parts = [self.vocoder(self.acoustic(part)).numpy().reshape(-1) for part in ids]
        if not parts or not sum(len(part) for part in parts):
            raise SynthesisFailed("PaddleSpeech made no audio (nothing to say?)")
        wave = np.clip(np.concatenate(parts), -1.0, 1.0)
        return Pcm((wave * 32767).astype("<i2").tobytes(), self.rate)
