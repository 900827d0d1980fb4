"""SILK v3 (Skype's codec, used by some WeChat clients and mini-programs) to PCM.

ffmpeg has no SILK decoder; ``silk-python`` (module ``pysilk``) wraps the reference decoder.
The C decoder is not safe on hostile input: a packet that decodes to more samples than its
fixed output buffer corrupts the heap (found by fuzzing: ``free(): corrupted unsorted chunks``,
the process aborts). So decoding runs in a child Python process (``voice/silk_child.py``) with a
time limit, like ffmpeg: a bad recording costs that child, never the worker. The packet
framing is checked here first, so only a well-formed stream is handed over.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from pathlib import Path

from voice.audio import Pcm
from voice.errors import AudioRejected, EngineUnavailable
from voice.silk_child import NOT_INSTALLED

_MAGIC = b"#!SILK_V3"
_CHILD = Path(__file__).with_name("silk_child.py")
# The reference encoder never writes a packet over 1250 bytes.
_MAX_PACKET = 1250
# A SILK packet carries 20 ms; this bounds the work before the real duration is known.
_PACKET_SECONDS = 0.02


def _payload(data: bytes) -> bytes:
    """The packets after the header, WeChat's leading 0x02 byte tolerated."""
    if data.startswith(b"\x02" + _MAGIC):
        return data[1 + len(_MAGIC) :]
    if data.startswith(_MAGIC):
        return data[len(_MAGIC) :]
    raise AudioRejected("unsupported", "not a SILK v3 stream")


def _checked_packets(body: bytes, *, max_packets: int) -> bytes:
    """The packet stream re-framed, ending at the end marker (length 0xFFFF or -1) or the end."""
    out = io.BytesIO()
    offset, count = 0, 0
    while offset + 2 <= len(body):
        (length,) = struct.unpack_from("<h", body, offset)
        if length < 0:  # the end-of-stream marker some encoders write
            break
        if length == 0 or length > _MAX_PACKET:
            raise AudioRejected("corrupt", f"SILK packet of {length} bytes at {offset}")
        end = offset + 2 + length
        if end > len(body):
            raise AudioRejected("corrupt", "SILK stream truncated inside a packet")
        out.write(body[offset:end])
        offset, count = end, count + 1
        if count > max_packets:
            raise AudioRejected("too_long", f"more than {max_packets} SILK packets")
    if count == 0:
        raise AudioRejected("corrupt", "SILK stream without packets")
    return out.getvalue()


def decode(data: bytes, *, rate: int, max_seconds: float, timeout: float = 60.0) -> Pcm:
    """Decode a SILK v3 recording to mono PCM at ``rate`` (8, 12, 16, 24, 32, 44.1 or 48 kHz)."""
    packets = _checked_packets(_payload(data), max_packets=int(max_seconds / _PACKET_SECONDS) + 50)
    command = [sys.executable, str(_CHILD), str(rate)]
    try:
        done = subprocess.run(command, input=_MAGIC + packets, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise AudioRejected("corrupt", "SILK decoding took too long") from exc
    if done.returncode == NOT_INSTALLED:
        raise EngineUnavailable("silk-python (module pysilk) is not installed")
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = reason[-1] if reason else f"decoder exited with {done.returncode}"
        raise AudioRejected("corrupt", f"SILK decoder: {detail}"[:200])
    return Pcm(done.stdout, rate)


def encode(pcm: Pcm, *, bit_rate: int = 24_000, tencent: bool = True) -> bytes:
    """Encode PCM as SILK (WeChat's variant with the 0x02 byte when ``tencent``): for tests."""
    import pysilk

    target = io.BytesIO()
    pysilk.encode(io.BytesIO(pcm.samples), target, pcm.rate, bit_rate, tencent=tencent)
    return target.getvalue()
