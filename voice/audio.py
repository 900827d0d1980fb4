"""Every inbound recording, normalised to 16 kHz mono 16-bit PCM, the input of every ASR engine.

The format is read from the first bytes, never from a file name or a declared MIME type:
WeChat voice is AMR-NB, some WeChat clients and mini-programs send SILK, the mini-program and
the app record mp3/m4a/aac, the call centre sends 8 kHz telephone WAV, Telegram sends Ogg/Opus.
ffmpeg (a Debian package) decodes all but SILK, in a child process with a time limit, so a
decoder fault costs one process, not the worker. SILK is decoded by ``voice.silk``.
"""

from __future__ import annotations

import io
import math
import subprocess
import wave
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from voice.errors import AudioRejected, EngineUnavailable

SAMPLE_RATE = 16_000
TELEPHONE_RATE = 8_000
_BYTES_PER_SAMPLE = 2


class AudioFormat(StrEnum):
    WAV = "wav"
    AMR_NB = "amr"
    AMR_WB = "amr-wb"
    SILK = "silk"
    MP3 = "mp3"
    MP4 = "m4a"  # the ISO container: m4a, mp4 audio, 3gp
    AAC = "aac"  # raw ADTS stream
    OGG = "ogg"  # Opus or Vorbis (Telegram voice notes)
    WEBM = "webm"  # browser MediaRecorder
    FLAC = "flac"


MIME_TYPES: dict[AudioFormat, str] = {
    AudioFormat.WAV: "audio/wav",
    AudioFormat.AMR_NB: "audio/amr",
    AudioFormat.AMR_WB: "audio/amr-wb",
    AudioFormat.SILK: "audio/silk",
    AudioFormat.MP3: "audio/mpeg",
    AudioFormat.MP4: "audio/mp4",
    AudioFormat.AAC: "audio/aac",
    AudioFormat.OGG: "audio/ogg",
    AudioFormat.WEBM: "audio/webm",
    AudioFormat.FLAC: "audio/flac",
}


@dataclass(frozen=True)
class AudioLimits:
    """What we accept: WeChat voice is at most 60 s; a hotline call recording some minutes."""

    max_bytes: int = 10 * 1024 * 1024
    max_seconds: float = 600.0
    decode_timeout_seconds: float = 60.0


@dataclass(frozen=True)
class Pcm:
    """Signed 16-bit little-endian mono samples at ``rate`` Hz."""

    samples: bytes
    rate: int = SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / (_BYTES_PER_SAMPLE * self.rate)


def sniff(data: bytes) -> AudioFormat:
    """The container or codec ``data`` really is; ``AudioRejected('unsupported')`` otherwise."""
    head = data[:64]
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return AudioFormat.WAV
    if head.startswith(b"#!AMR-WB\n"):
        return AudioFormat.AMR_WB
    if head.startswith(b"#!AMR\n"):
        return AudioFormat.AMR_NB
    if head.startswith((b"#!SILK_V3", b"\x02#!SILK_V3")):
        return AudioFormat.SILK
    if head[4:8] == b"ftyp":
        return AudioFormat.MP4
    if head.startswith(b"OggS"):
        return AudioFormat.OGG
    if head.startswith(b"fLaC"):
        return AudioFormat.FLAC
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return AudioFormat.WEBM
    if head.startswith(b"ID3"):
        return AudioFormat.MP3
    if len(head) >= 2 and head[0] == 0xFF:
        # MPEG frame sync: 11 set bits. Layer bits 00 mean an ADTS (AAC) header.
        if head[1] & 0xF6 == 0xF0:
            return AudioFormat.AAC
        if head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
            return AudioFormat.MP3
    raise AudioRejected("unsupported", f"unknown audio header {head[:12]!r}")


def check_size(data: bytes, limits: AudioLimits) -> None:
    """Refuse empty or oversized input before any decoding work."""
    if not data:
        raise AudioRejected("empty")
    if len(data) > limits.max_bytes:
        raise AudioRejected("too_large", f"{len(data)} bytes > {limits.max_bytes}")


def to_pcm16k(data: bytes, *, limits: AudioLimits, ffmpeg: str = "ffmpeg") -> Pcm:
    """Decode any accepted recording to 16 kHz mono PCM, enforcing size and duration limits."""
    check_size(data, limits)
    fmt = sniff(data)
    if fmt is AudioFormat.SILK:
        from voice import silk

        pcm = silk.decode(data, rate=SAMPLE_RATE, max_seconds=limits.max_seconds)
    else:
        pcm = Pcm(_ffmpeg_decode(data, ffmpeg=ffmpeg, rate=SAMPLE_RATE, limits=limits))
    if pcm.duration > limits.max_seconds:
        raise AudioRejected("too_long", f"{pcm.duration:.1f} s > {limits.max_seconds:.0f} s")
    if pcm.duration < 0.1:
        raise AudioRejected("corrupt", f"{fmt.value} decoded to {pcm.duration:.3f} s of audio")
    return pcm


def _ffmpeg_decode(data: bytes, *, ffmpeg: str, rate: int, limits: AudioLimits) -> bytes:
    # -t stops decoding just past the limit: a long file costs no more than an acceptable one,
    # and a decoded length over the limit still tells us it was too long.
    command = [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", "pipe:0",
        "-t", f"{limits.max_seconds + 1:.0f}", "-vn", "-ac", "1", "-ar", str(rate),
        "-f", "s16le", "-acodec", "pcm_s16le", "pipe:1",
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, input=data, capture_output=True, timeout=limits.decode_timeout_seconds
        )
    except FileNotFoundError as exc:
        raise EngineUnavailable(f"ffmpeg not found at {ffmpeg!r} (apt-get install ffmpeg)") from exc
    except subprocess.TimeoutExpired as exc:
        raise AudioRejected("corrupt", "decoding took too long") from exc
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise AudioRejected("corrupt", (message[-1] if message else "no audio decoded")[:200])
    return done.stdout


def resample(pcm: Pcm, rate: int, *, ffmpeg: str = "ffmpeg") -> Pcm:
    """The same audio at another sample rate (ffmpeg's resampler, with its anti-alias filter)."""
    if pcm.rate == rate:
        return pcm
    command = [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
        "-f", "s16le", "-ar", str(pcm.rate), "-ac", "1", "-i", "pipe:0",
        "-ar", str(rate), "-f", "s16le", "pipe:1",
    ]  # fmt: skip
    done = subprocess.run(command, input=pcm.samples, capture_output=True, timeout=60, check=True)
    return Pcm(done.stdout, rate)


def to_wav(pcm: Pcm) -> bytes:
    """A RIFF/WAVE file of the samples (what telephony platforms and browsers play)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(_BYTES_PER_SAMPLE)
        out.setframerate(pcm.rate)
        out.writeframes(pcm.samples)
    return buffer.getvalue()


def read_wav(data: bytes) -> Pcm:
    """Samples of a 16-bit mono PCM WAV (the format ``to_wav`` writes)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as src:
            if src.getnchannels() != 1 or src.getsampwidth() != _BYTES_PER_SAMPLE:
                raise AudioRejected("unsupported", "expected 16-bit mono WAV")
            return Pcm(src.readframes(src.getnframes()), src.getframerate())
    except (wave.Error, EOFError) as exc:
        raise AudioRejected("corrupt", str(exc)) from exc


def rms_dbfs(pcm: Pcm) -> float:
    """Loudness in dBFS; silence (or nothing) is -inf. Used to skip ASR on empty recordings."""
    values = np.frombuffer(pcm.samples[: len(pcm.samples) // 2 * 2], dtype="<i2")
    if values.size == 0:
        return -math.inf
    mean_square = float(np.mean(values.astype(np.float64) ** 2))
    return 10 * math.log10(mean_square / 32768**2) if mean_square else -math.inf


def to_float32(pcm: Pcm) -> np.ndarray:
    """Samples scaled to [-1, 1), what Whisper and PaddleSpeech feature extractors take."""
    values = np.frombuffer(pcm.samples[: len(pcm.samples) // 2 * 2], dtype="<i2")
    return values.astype(np.float32) / 32768.0
