"""PaddleSpeech recognition loads only from local files: a tiny U2 conformer made here (random
weights, a 30-character vocabulary) goes through the same offline path as a real release.

Needs the ``[paddle]`` extra (about 2.6 GB, six minutes to install here), which CI does not
install: these tests carry the ``paddle`` marker and skip with that reason when paddle is
missing; ``HOTLINE_REQUIRE_PADDLE=1`` turns the skip into a failure (for a paddle CI job).
Run them with: ``pip install -e '.[dev,paddle]' && pytest -m paddle``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.voice.conftest import Speech
from voice import asr
from voice.audio import to_pcm16k

pytestmark = pytest.mark.paddle

VOCAB = ["<blank>", "<unk>", *"发生车祸了有人受伤你好我要反映一个问题投诉噪音路灯坏", "<eos>"]

CONFIG = """
cmvn_file:
cmvn_file_type: json
input_dim: 80
output_dim: {vocab_size}
encoder: conformer
encoder_conf:
  output_size: 32
  attention_heads: 2
  linear_units: 64
  num_blocks: 1
  dropout_rate: 0.0
  positional_dropout_rate: 0.0
  attention_dropout_rate: 0.0
  input_layer: conv2d
  normalize_before: true
  cnn_module_kernel: 3
  use_cnn_module: true
  activation_type: swish
  pos_enc_layer_type: rel_pos
  selfattention_layer_type: rel_selfattn
decoder: transformer
decoder_conf:
  attention_heads: 2
  linear_units: 64
  num_blocks: 1
  dropout_rate: 0.0
  positional_dropout_rate: 0.0
  self_attention_dropout_rate: 0.0
  src_attention_dropout_rate: 0.0
model_conf:
  ctc_weight: 0.3
  lsm_weight: 0.1
  length_normalized_loss: false
vocab_filepath: data/vocab.txt
unit_type: char
spm_model_prefix: ''
preprocess_config: conf/preprocess.yaml
decode:
  decoding_method: attention_rescoring
  beam_size: 2
  ctc_weight: 0.5
  decoding_chunk_size: -1
  num_decoding_left_chunks: -1
  simulate_streaming: false
"""

PREPROCESS = """
process:
  - type: fbank_kaldi
    fs: 16000
    n_mels: 80
    n_shift: 160
    win_length: 400
    dither: 0.0
  - type: cmvn_json
    cmvn_path: {cmvn}
"""


def _paddle_or_skip() -> None:
    try:
        import paddle  # noqa: F401
        import paddlespeech  # noqa: F401
    except ImportError as exc:
        if os.environ.get("HOTLINE_REQUIRE_PADDLE") == "1":
            pytest.fail(f"HOTLINE_REQUIRE_PADDLE=1 but PaddleSpeech is missing: {exc}")
        pytest.skip("PaddleSpeech not installed: pip install -e '.[dev,paddle]'")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A released-model-shaped folder: conf/model.yaml, conf/preprocess.yaml, data/, exp/."""
    _paddle_or_skip()
    root = tmp_path_factory.mktemp("tiny-conformer")
    previous = Path.cwd()
    # PaddleSpeech's logger writes ./exp/log on import: not into the repo
    os.chdir(tmp_path_factory.mktemp("paddle-cwd"))
    try:
        from voice.engines.paddle_asr import forbid_runtime_installs

        forbid_runtime_installs()
        import paddle
        from paddlespeech.s2t.models.u2 import U2Model
        from yacs.config import CfgNode
    finally:
        os.chdir(previous)
    (root / "conf").mkdir()
    (root / "data").mkdir()
    (root / "exp").mkdir()
    (root / "data" / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    cmvn = {"mean_stat": [0.0] * 80, "var_stat": [1.0] * 80, "frame_num": 1}
    (root / "data" / "mean_std.json").write_text(json.dumps(cmvn))
    (root / "conf" / "preprocess.yaml").write_text(
        PREPROCESS.format(cmvn=root / "data" / "mean_std.json")
    )
    (root / "conf" / "model.yaml").write_text(CONFIG.format(vocab_size=len(VOCAB)))
    config = CfgNode(new_allowed=True)
    config.merge_from_file(str(root / "conf" / "model.yaml"))
    paddle.seed(0)
    model = U2Model.from_config(config)
    paddle.save(model.state_dict(), str(root / "exp" / "tiny.pdparams"))
    return root


def test_paddle_engine_loads_local_files_only(
    tiny_model: Path, tmp_path: Path, speech: Speech, monkeypatch: pytest.MonkeyPatch
):
    from paddlespeech.cli import download

    def no_downloads(*args: object, **kwargs: object) -> None:
        raise AssertionError("PaddleSpeech tried to download")

    monkeypatch.setattr(download, "get_path_from_url", no_downloads)
    settings = make_settings(
        tmp_path,
        voice_asr_engine="paddle",
        voice_paddle_home=tmp_path / "ppspeech",
        voice_paddle_asr_config=tiny_model / "conf" / "model.yaml",
        voice_paddle_asr_ckpt=tiny_model / "exp" / "tiny",
    )
    engine = asr.engine_for(settings)
    assert engine.name == "paddle" and os.environ["PPSPEECH_HOME"] == str(tmp_path / "ppspeech")
    pcm = to_pcm16k(speech("发生车祸了，有人受伤", "amr"), limits=asr.limits_of(settings))
    result = engine.transcribe(pcm)
    # Random weights say nothing sensible; what matters is the path: features, encoder,
    # attention rescoring, the vocabulary, and a confidence from the CTC posteriors.
    assert set(result.text) <= set("".join(VOCAB[2:-1]))
    assert 0.0 <= result.confidence <= 1.0 and result.engine == "paddle"
    assert abs(result.duration - pcm.duration) < 0.01
    assert not list((tmp_path / "ppspeech").rglob("*.pdparams"))  # nothing fetched into home
