"""PaddleSpeech U2 (conformer/transformer) recognition: the production choice for Mandarin.

Optional (``pip install '.[paddle]'``, about 2.6 GB). Models come only from the files an
operator configured (``HOTLINE_VOICE_PADDLE_ASR_CONFIG`` and ``_CKPT``): this module never goes
through PaddleSpeech's downloading executor, and it sets ``PPSPEECH_HOME`` before the first
import so nothing is written to the home directory. Paths inside the model's YAML
(vocabulary, CMVN statistics, preprocess config) are taken relative to the model folder, the
parent of the folder holding the YAML, as in PaddleSpeech's released archives.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline.settings import Settings
from voice.asr import Transcript
from voice.audio import Pcm
from voice.errors import EngineUnavailable

logger = logging.getLogger(__name__)

_PATH_KEYS = ("vocab_filepath", "preprocess_config", "cmvn_file")


def prepare_home(settings: Settings) -> None:
    """Point PaddleSpeech at the configured home before it is imported (it reads it once)."""
    home = settings.voice_paddle_home or (settings.data_dir / "paddlespeech")
    Path(home).mkdir(parents=True, exist_ok=True)
    os.environ["PPSPEECH_HOME"] = str(Path(home).resolve())


def _refuse_install(package_name: str) -> None:
    raise ImportError(f"{package_name} is not installed (runtime pip installs are refused)")


def forbid_runtime_installs() -> None:
    """PaddleSpeech runs ``pip install paddlespeech_ctcdecoders`` when it first imports its CTC
    module and the package is missing (seen here): refuse that before anything imports it.
    U2 models decode without it; only DeepSpeech2 with a language model needs it."""
    from paddlespeech.s2t.utils import dynamic_pip_install

    dynamic_pip_install.install = _refuse_install


@contextmanager
def _logs_in_home() -> Iterator[None]:
    """PaddleSpeech's logger adds a file sink under ``./exp/log`` of the working directory when
    its modules are imported (seen here): import them with PPSPEECH_HOME as the working
    directory. Process-wide, but it happens once, when a worker loads its engine."""
    previous = Path.cwd()
    os.chdir(os.environ["PPSPEECH_HOME"])
    try:
        yield
    finally:
        os.chdir(previous)


def _resolve(value: Any, root: Path) -> Any:
    if isinstance(value, str) and value and not os.path.isabs(value):
        candidate = root / value
        if candidate.exists():
            return str(candidate)
    return value


@dataclass
class PaddleAsrEngine:
    model: Any
    text_feature: Any
    preprocess: Any
    decode_config: Any
    name: str = "paddle"

    def __post_init__(self) -> None:
        self._lock = threading.Lock()  # Paddle layers are not safe to share between threads

    @classmethod
    def from_settings(cls, settings: Settings) -> PaddleAsrEngine:
        config_path, ckpt = settings.voice_paddle_asr_config, settings.voice_paddle_asr_ckpt
        if config_path is None or ckpt is None:
            raise EngineUnavailable(
                "PaddleSpeech needs HOTLINE_VOICE_PADDLE_ASR_CONFIG and _CKPT (local files)"
            )
        weights = Path(f"{ckpt}.pdparams")
        if not Path(config_path).is_file() or not weights.is_file():
            raise EngineUnavailable(f"PaddleSpeech model files missing: {config_path}, {weights}")
        prepare_home(settings)
        try:
            with _logs_in_home():
                forbid_runtime_installs()
                import paddle
                from paddlespeech.audio.transform.transformation import Transformation
                from paddlespeech.s2t.frontend.featurizer.text_featurizer import TextFeaturizer
                from paddlespeech.s2t.models.u2 import U2Model
                from yacs.config import CfgNode
        except ImportError as exc:
            raise EngineUnavailable(f"PaddleSpeech is not installed ({exc})") from exc
        config = CfgNode(new_allowed=True)
        config.merge_from_file(str(config_path))
        root = Path(config_path).resolve().parent.parent
        config.defrost()
        for key in _PATH_KEYS:
            if key in config:
                config[key] = _resolve(config[key], root)
        preprocess = config.get("preprocess_config")
        if isinstance(preprocess, dict):  # inline in released model.yaml files
            for step in preprocess.get("process", []):
                if "cmvn_path" in step:
                    step["cmvn_path"] = _resolve(step["cmvn_path"], root)
        config.decode.decoding_method = settings.voice_paddle_asr_decode_method
        config.freeze()
        paddle.set_device("cpu")
        text_feature = TextFeaturizer(
            unit_type=config.unit_type,
            vocab=config.vocab_filepath,
            spm_model_prefix=config.get("spm_model_prefix") or None,
        )
        model = U2Model.from_config(config)
        model.set_state_dict(paddle.load(str(weights)))
        model.eval()
        logger.info("PaddleSpeech model loaded: %s", weights)
        return cls(
            model=model,
            text_feature=text_feature,
            preprocess=Transformation(config.preprocess_config),
            decode_config=config.decode,
        )

    def transcribe(self, pcm: Pcm, language: str | None = "zh") -> Transcript:
        # The U2 models for Mandarin hear Mandarin whatever ``language`` asks for.
        import numpy as np
        import paddle

        samples = np.frombuffer(pcm.samples, dtype="<i2")
        features = self.preprocess(samples, train=False)
        cfg = self.decode_config
        with self._lock, paddle.no_grad():
            audio = paddle.to_tensor(features, dtype="float32").unsqueeze(axis=0)
            audio_len = paddle.to_tensor([features.shape[0]], dtype="int64")
            hyps = self.model.decode(
                audio,
                audio_len,
                text_feature=self.text_feature,
                decoding_method=cfg.decoding_method,
                beam_size=cfg.beam_size,
                ctc_weight=cfg.ctc_weight,
                decoding_chunk_size=cfg.decoding_chunk_size,
                num_decoding_left_chunks=cfg.num_decoding_left_chunks,
                simulate_streaming=cfg.simulate_streaming,
            )
            confidence = self._ctc_confidence(audio, audio_len)
        text = str(hyps[0][0] if hyps and hyps[0] else "").replace("<unk>", "")
        return Transcript(text=text, confidence=confidence, duration=pcm.duration, engine=self.name)

    def _ctc_confidence(self, audio: Any, audio_len: Any) -> float:
        """Mean probability of the CTC's best label on frames that are not blank: U2 decoding
        returns no score, and this costs one more encoder pass (documented in the README)."""
        encoder_out, _ = self.model._forward_encoder(audio, audio_len, -1, -1, False)
        log_probs = self.model.ctc.log_softmax(encoder_out)[0].numpy()
        best = log_probs.argmax(axis=-1)
        spoken = log_probs.max(axis=-1)[best != 0]
        return round(float(math.exp(spoken.mean())), 3) if spoken.size else 0.0
