"""PaddleSpeech loads only from local files: a tiny U2 conformer (recognition) and a tiny
FastSpeech2 + HiFiGAN pair (speech out), made here with random weights in the layout of the
released archives, go through the same offline path as a real release.

Needs the ``[paddle]`` extra (about 2.6 GB, six minutes to install here), which CI does not
install: these tests carry the ``paddle`` marker and skip with that reason when paddle is
missing; ``HOTLINE_REQUIRE_PADDLE=1`` turns the skip into a failure (for a paddle CI job).
Run them with: ``pip install -e '.[dev,paddle]' && pytest -m paddle``. (ppdiffusers, a
PaddleSpeech dependency, installs a top-level ``tests`` package too; ours is a regular package
so it is found first.)
"""

from __future__ import annotations

import json
import math
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.voice.conftest import Speech
from voice import asr, tts
from voice.audio import read_wav, to_pcm16k

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


# Derived from PaddleSpeech's examples/csmsc/tts3/conf/default.yaml (FastSpeech2) and
# voc5/conf/default.yaml (HiFiGAN V1): the same features (24 kHz, hop 300, 80 mels) and model
# types, every size cut down.
AM_CONFIG = """
fs: 24000
n_fft: 2048
n_shift: 300
win_length: 1200
window: "hann"
fmin: 80
fmax: 7600
n_mels: 80
f0min: 80
f0max: 400
model:
    adim: 16
    aheads: 2
    elayers: 1
    eunits: 32
    dlayers: 1
    dunits: 32
    positionwise_layer_type: conv1d
    positionwise_conv_kernel_size: 3
    duration_predictor_layers: 1
    duration_predictor_chans: 16
    duration_predictor_kernel_size: 3
    postnet_layers: 2
    postnet_filts: 5
    postnet_chans: 16
    use_scaled_pos_enc: True
    encoder_normalize_before: True
    decoder_normalize_before: True
    reduction_factor: 1
    init_type: xavier_uniform
    init_enc_alpha: 1.0
    init_dec_alpha: 1.0
    transformer_enc_dropout_rate: 0.2
    transformer_enc_positional_dropout_rate: 0.2
    transformer_enc_attn_dropout_rate: 0.2
    transformer_dec_dropout_rate: 0.2
    transformer_dec_positional_dropout_rate: 0.2
    transformer_dec_attn_dropout_rate: 0.2
    pitch_predictor_layers: 1
    pitch_predictor_chans: 16
    pitch_predictor_kernel_size: 5
    pitch_predictor_dropout: 0.5
    pitch_embed_kernel_size: 1
    pitch_embed_dropout: 0.0
    stop_gradient_from_pitch_predictor: true
    energy_predictor_layers: 1
    energy_predictor_chans: 16
    energy_predictor_kernel_size: 3
    energy_predictor_dropout: 0.5
    energy_embed_kernel_size: 1
    energy_embed_dropout: 0.0
    stop_gradient_from_energy_predictor: false
"""

VOC_CONFIG = """
fs: 24000
n_fft: 2048
n_shift: 300
win_length: 1200
window: "hann"
n_mels: 80
fmin: 80
fmax: 7600
generator_params:
    in_channels: 80
    out_channels: 1
    channels: 32
    kernel_size: 7
    upsample_scales: [5, 5, 4, 3]
    upsample_kernel_sizes: [10, 10, 8, 6]
    resblock_kernel_sizes: [3]
    resblock_dilations:
        - [1, 3]
    use_additional_convs: true
    bias: true
    nonlinear_activation: "leakyrelu"
    nonlinear_activation_params:
        negative_slope: 0.1
    use_weight_norm: true
"""

FRAMES_PER_PHONE = 8  # the duration predictor is pinned to this: a plausible, known length
HOP, FS = 300, 24_000


@pytest.fixture(scope="module")
def tiny_voice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``am/`` and ``voc/`` as an operator unpacks fastspeech2_nosil_baker_ckpt_0.4.zip and
    hifigan_csmsc_ckpt_0.1.1.zip (each zip holds one folder; the file names are theirs)."""
    _paddle_or_skip()
    root = tmp_path_factory.mktemp("tiny-voice")
    previous = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("paddle-cwd"))  # PaddleSpeech's logger writes ./exp/log
    try:
        import numpy as np
        import paddle
        import yaml

        # Not syn_utils: its English front end would import g2p_en here, outside the guard
        # the engine's import runs under (the test below checks that guard).
        from paddlespeech.t2s.frontend.generate_lexicon import generate_lexicon
        from paddlespeech.t2s.models.fastspeech2 import FastSpeech2
        from paddlespeech.t2s.models.hifigan import HiFiGANGenerator
    finally:
        os.chdir(previous)
    am = root / "am" / "fastspeech2_nosil_baker_ckpt_0.4"
    voc = root / "voc" / "hifigan_csmsc_ckpt_0.1.1"
    am.mkdir(parents=True)
    voc.mkdir(parents=True)
    # Every Mandarin phone (initials, toned finals, erhua) like the real map, so the front end's
    # phones are found, not replaced with "sp".
    phones = {p for entry in generate_lexicon(True, True).values() for p in entry.split()}
    symbols = ["<pad>", "<unk>", *sorted(phones), "sp", "sil"]
    (am / "phone_id_map.txt").write_text(
        "".join(f"{phone} {i}\n" for i, phone in enumerate(symbols)), encoding="utf-8"
    )
    (am / "default.yaml").write_text(AM_CONFIG)
    (voc / "default.yaml").write_text(VOC_CONFIG)
    stats = np.stack([np.zeros(80), np.ones(80)]).astype("float32")  # mean, std
    np.save(am / "speech_stats.npy", stats)
    np.save(voc / "feats_stats.npy", stats)
    paddle.seed(0)
    acoustic = FastSpeech2(idim=len(symbols), odim=80, **yaml.safe_load(AM_CONFIG)["model"])
    linear = acoustic.duration_predictor.linear
    linear.weight.set_value(paddle.zeros_like(linear.weight))
    linear.bias.set_value(paddle.full_like(linear.bias, math.log(FRAMES_PER_PHONE + 1)))
    paddle.save({"main_params": acoustic.state_dict()}, str(am / "snapshot_iter_76000.pdz"))
    vocoder = HiFiGANGenerator(**yaml.safe_load(VOC_CONFIG)["generator_params"])
    paddle.save({"generator_params": vocoder.state_dict()}, str(voc / "snapshot_iter_2500000.pdz"))
    return root


class NoNetwork:
    """Refuses (and records) every Internet connection and name lookup of this process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.attempts: list[object] = []
        connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

        def guarded(real: Callable[[socket.socket, Any], Any]) -> Callable[..., Any]:
            def attempt(sock: socket.socket, address: Any) -> Any:
                if sock.family in (socket.AF_INET, socket.AF_INET6):
                    self.attempts.append(address)
                    raise OSError(f"the test refuses network access ({address})")
                return real(sock, address)

            return attempt

        def lookup(*args: object, **kwargs: object) -> list[object]:
            self.attempts.append(args[:2])
            raise socket.gaierror(f"the test refuses name lookups ({args[:2]})")

        monkeypatch.setattr(socket.socket, "connect", guarded(connect))
        monkeypatch.setattr(socket.socket, "connect_ex", guarded(connect_ex))
        monkeypatch.setattr(socket, "getaddrinfo", lookup)


def test_paddle_tts_speaks_from_local_files_only(
    tiny_voice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    home = tmp_path / "ppspeech"
    settings = make_settings(
        tmp_path,
        voice_tts_engine="paddle",
        voice_paddle_home=home,
        voice_paddle_tts_dir=tiny_voice,
    )
    # PaddleSpeech's English front end (imported with the TTS helpers) imports g2p_en, which
    # downloads NLTK data at import: the import must happen under the engine's guard, here.
    assert "g2p_en" not in sys.modules
    network = NoNetwork(monkeypatch)
    engine = tts.tts_engine_for(settings)
    assert engine.name == "paddle:fastspeech2_csmsc:hifigan_csmsc"
    assert os.environ["PPSPEECH_HOME"] == str(home)

    text = "您好，这里是12345热线回访。解决了请按1，没解决请按2。"
    frontend: Any = getattr(engine, "frontend")  # noqa: B009 (not on the TtsEngine protocol)
    ids = frontend.get_input_ids(text, merge_sentences=False)["phone_ids"]
    phones = [int(i) for part in ids for i in part.numpy()]
    sp = frontend.vocab_phones["sp"]
    assert sum(i != sp for i in phones) > 30  # pinyin of ~28 syllables, not unknowns
    expected = len(phones) * FRAMES_PER_PHONE * HOP / FS

    pcm = engine.synthesize(text)
    assert pcm.rate == FS and abs(pcm.duration - expected) < 0.01

    data = tts.telephone_wav(engine, text)
    assert data.startswith(b"RIFF") and data[8:12] == b"WAVE"
    phone_call = read_wav(data)
    assert phone_call.rate == 8_000 and abs(phone_call.duration - expected) < 0.05
    assert any(phone_call.samples)  # random weights: noise, but not silence

    name, path = tts.render_prompt(settings, text)
    assert path == settings.data_dir / "voice" / "prompts" / f"{name}.wav"
    assert read_wav(path.read_bytes()).rate == 8_000
    assert tts.tts_engine_for(settings) is engine  # loaded once

    assert network.attempts == []
    # nothing fetched into its home: only the id PaddleSpeech's CLI module writes at import
    written = {p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()}
    assert written <= {"conf/cache.yaml"}
