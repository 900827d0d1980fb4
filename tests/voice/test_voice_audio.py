"""voice.audio: every inbound format, sniffed from its bytes, decoded to 16 kHz mono PCM;
limits and bad input give a typed error, never a crash."""

from __future__ import annotations

import random

import pytest

from tests.voice.conftest import Speech
from voice import audio, silk
from voice.audio import AudioFormat, AudioLimits, to_pcm16k
from voice.errors import AudioRejected

SENTENCE = "你好，我要反映一个问题"
LIMITS = AudioLimits()


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("wav", AudioFormat.WAV),
        ("amr", AudioFormat.AMR_NB),
        ("silk", AudioFormat.SILK),
        ("mp3", AudioFormat.MP3),
        ("m4a", AudioFormat.MP4),
        ("tel8k", AudioFormat.WAV),
    ],
)
def test_each_format_is_sniffed_and_decoded_to_16k_mono(speech: Speech, fmt, expected):
    reference = to_pcm16k(speech(SENTENCE, "wav"), limits=LIMITS)
    data = speech(SENTENCE, fmt)
    assert audio.sniff(data) is expected
    pcm = to_pcm16k(data, limits=LIMITS)
    assert pcm.rate == 16_000
    # Codecs pad or trim a frame or two. Debian's ffmpeg skips AMR comfort-noise (SID) frames
    # ("not yet implemented"), which shortens pauses in AMR a little, never the speech.
    slack = 0.4 if fmt == "amr" else 0.15
    assert abs(pcm.duration - reference.duration) < slack, (fmt, pcm.duration, reference.duration)
    assert audio.rms_dbfs(pcm) > -40


def test_wechat_silk_with_and_without_the_leading_byte(speech: Speech):
    pcm = to_pcm16k(speech(SENTENCE, "wav"), limits=LIMITS)
    wechat, plain = silk.encode(pcm, tencent=True), silk.encode(pcm, tencent=False)
    assert wechat.startswith(b"\x02#!SILK_V3") and plain.startswith(b"#!SILK_V3")
    for data in (wechat, plain, wechat + b"\xff\xff"):  # some encoders end with a -1 marker
        assert abs(to_pcm16k(data, limits=LIMITS).duration - pcm.duration) < 0.1


def test_the_name_or_claimed_type_does_not_matter_only_the_bytes(speech: Speech):
    assert audio.sniff(speech(SENTENCE, "amr")[:64]) is AudioFormat.AMR_NB
    with pytest.raises(AudioRejected) as caught:
        audio.sniff(b"<html><body>voice.amr</body></html>")
    assert caught.value.reason == "unsupported"


def test_limits_on_size_and_duration(speech: Speech):
    data = speech(SENTENCE, "mp3")
    with pytest.raises(AudioRejected) as too_large:
        to_pcm16k(data, limits=AudioLimits(max_bytes=len(data) - 1))
    assert too_large.value.reason == "too_large"
    for fmt in ("mp3", "silk"):
        with pytest.raises(AudioRejected) as too_long:
            to_pcm16k(speech(SENTENCE, fmt), limits=AudioLimits(max_seconds=1))
        assert too_long.value.reason == "too_long", fmt
    with pytest.raises(AudioRejected) as empty:
        to_pcm16k(b"", limits=LIMITS)
    assert empty.value.reason == "empty"


@pytest.mark.parametrize(
    "data",
    [
        b"RIFF\x00\x00\x00\x00WAVEjunk",
        b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 300,
        b"#!SILK_V3",
        b"\x02#!SILK_V3\x10\x00abc",  # a packet cut short
        b"\x02#!SILK_V3\x00\x40" + b"\x00" * 20,  # an impossible packet length
        b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 100,
    ],
)
def test_corrupt_audio_is_refused_with_a_reason(data: bytes):
    with pytest.raises(AudioRejected) as caught:
        to_pcm16k(data, limits=LIMITS)
    assert caught.value.reason == "corrupt"


def test_damaged_silk_never_takes_the_process_down(speech: Speech):
    # The reference decoder corrupts its heap on such input (found by fuzzing); decoding runs
    # in a child process, so each case is an AudioRejected or decoded noise, never an abort.
    data = speech(SENTENCE, "silk")
    rng = random.Random(7)
    outcomes = set()
    for _ in range(12):
        damaged = bytearray(data)
        for _ in range(20):
            damaged[rng.randrange(12, len(damaged))] = rng.randrange(256)
        try:
            to_pcm16k(bytes(damaged), limits=LIMITS)
            outcomes.add("decoded")
        except AudioRejected as exc:
            outcomes.add(exc.reason)
    assert outcomes <= {"decoded", "corrupt"} and "corrupt" in outcomes


def test_wav_round_trip_and_resampling():
    pcm = audio.Pcm(b"\x10\x00" * 16_000, 16_000)
    assert audio.read_wav(audio.to_wav(pcm)) == pcm
    tel = audio.resample(pcm, 8_000)
    assert tel.rate == 8_000 and abs(tel.duration - 1.0) < 0.01


def test_a_missing_decoder_is_an_engine_problem_not_bad_audio(speech: Speech):
    from voice.errors import EngineUnavailable

    with pytest.raises(EngineUnavailable, match="apt-get install ffmpeg"):
        to_pcm16k(speech(SENTENCE, "mp3"), limits=LIMITS, ffmpeg="/nonexistent/ffmpeg")
