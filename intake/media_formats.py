"""What an uploaded file really is, from its bytes, and how long a recording lasts.

Pure functions over bytes, no decoder needed: pictures are recognised by their signature,
recordings by their container or frame headers, and a duration is read from the container
(M4A ``mvhd``, WAV ``data``/``fmt``) or by walking the frames (MP3, ADTS AAC, AMR, SILK). A file
whose frames do not add up is refused rather than guessed at.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Sniffed:
    kind: str  # image | audio
    content_type: str
    extension: str


class UnreadableMedia(ValueError):
    """Looks like a known format but its structure does not hold together."""


def sniff(data: bytes) -> Sniffed | None:
    """The format of ``data`` if it is one the hotline accepts, else None."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "image/png", "png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "image/webp", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed("audio", "audio/wav", "wav")
    if head.startswith(b"#!AMR\n"):
        return Sniffed("audio", "audio/amr", "amr")
    if head.startswith(b"#!AMR-WB\n"):
        return Sniffed("audio", "audio/amr-wb", "awb")
    # WeChat's SILK files carry one 0x02 byte before the standard header.
    if head.startswith(b"#!SILK_V3") or head.startswith(b"\x02#!SILK_V3"):
        return Sniffed("audio", "audio/silk", "silk")
    if head[4:8] == b"ftyp" and head[8:12] in _M4A_BRANDS:
        return Sniffed("audio", "audio/mp4", "m4a")
    if head.startswith(b"ID3") or _mp3_header(head, 0) is not None:
        return Sniffed("audio", "audio/mpeg", "mp3")
    if _adts_header(head, 0) is not None:
        return Sniffed("audio", "audio/aac", "aac")
    return None


_M4A_BRANDS = frozenset({b"M4A ", b"M4B ", b"mp42", b"isom", b"mp41", b"3gp4", b"3gp5", b"iso2"})


def duration_seconds(data: bytes, content_type: str, *, stop_after: float) -> float:
    """The playing time of a recording; UnreadableMedia if it cannot be established.

    Frame walks stop once past ``stop_after`` seconds (the caller's limit): a file of tiny frames
    must not cost seconds of CPU to be refused.
    """
    reader = _DURATION.get(content_type)
    if reader is None:
        raise UnreadableMedia(f"no duration reader for {content_type}")
    try:
        seconds = reader(data, stop_after)
    except (struct.error, IndexError, ZeroDivisionError) as exc:
        raise UnreadableMedia(f"malformed {content_type}") from exc
    if seconds <= 0:
        raise UnreadableMedia(f"{content_type} without audio")
    return seconds


def _wav(data: bytes, stop_after: float) -> float:
    offset, byte_rate, size = 12, 0, 0
    for _ in range(64):  # a real file has a handful of chunks before its data
        if offset + 8 > len(data):
            break
        chunk, length = data[offset : offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        if chunk == b"fmt ":
            byte_rate = struct.unpack_from("<I", data, offset + 16)[0]
        elif chunk == b"data":
            # A header may claim more than was sent: count what is there.
            size = min(length, len(data) - offset - 8)
            break
        offset += 8 + length + (length & 1)
    return size / byte_rate


# Bytes per frame after the one-byte frame header, by frame type; every frame is 20 ms.
_AMR_NB = (12, 13, 15, 17, 19, 20, 26, 31, 5, 0, 0, 0, 0, 0, 0, 0)
_AMR_WB = (17, 23, 32, 36, 40, 46, 50, 58, 60, 5, 0, 0, 0, 0, 0, 0)


def _amr(data: bytes, stop_after: float) -> float:
    wide = data.startswith(b"#!AMR-WB\n")
    sizes, offset = (_AMR_WB, 9) if wide else (_AMR_NB, 6)
    frames = 0
    while offset < len(data) and frames * 0.02 <= stop_after:
        frame_type = (data[offset] >> 3) & 0x0F
        offset += 1 + sizes[frame_type]
        frames += 1
    return frames * 0.02


def _silk(data: bytes, stop_after: float) -> float:
    offset = 10 if data[0] == 0x02 else 9
    frames = 0
    while offset + 2 <= len(data) and frames * 0.02 <= stop_after:
        (length,) = struct.unpack_from("<h", data, offset)
        if length < 0:  # 0xFFFF closes the stream
            break
        offset += 2 + length
        frames += 1
    if offset > len(data):
        raise UnreadableMedia("truncated SILK frame")
    return frames * 0.02


_MP3_BITRATES = {
    (1, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 25: (11025, 12000, 8000)}


def _mp3_header(data: bytes, offset: int) -> tuple[int, int] | None:
    """(frame length in bytes, samples) of an MPEG audio layer III frame at ``offset``."""
    if offset + 4 > len(data) or data[offset] != 0xFF or data[offset + 1] & 0xE0 != 0xE0:
        return None
    version_bits = (data[offset + 1] >> 3) & 3
    layer_bits = (data[offset + 1] >> 1) & 3
    if version_bits == 1 or layer_bits != 1:  # reserved version, or not layer III
        return None
    version = {3: 1, 2: 2, 0: 25}[version_bits]
    bitrate_index = data[offset + 2] >> 4
    rate_index = (data[offset + 2] >> 2) & 3
    if bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = _MP3_BITRATES[(1 if version == 1 else 2, 3)][bitrate_index] * 1000
    rate = _MP3_RATES[version][rate_index]
    padding = (data[offset + 2] >> 1) & 1
    samples = 1152 if version == 1 else 576
    return samples // 8 * bitrate // rate + padding, samples


def _mp3(data: bytes, stop_after: float) -> float:
    offset = 0
    if data.startswith(b"ID3"):
        size = data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9]
        offset = 10 + size
    samples = frames = 0
    rate = 0
    while offset < len(data) and (not rate or samples / rate <= stop_after):
        header = _mp3_header(data, offset)
        if header is None:
            if frames and data[offset : offset + 3] == b"TAG":  # ID3v1 trailer
                break
            raise UnreadableMedia(f"no MP3 frame at byte {offset}")
        length, frame_samples = header
        version_bits = (data[offset + 1] >> 3) & 3
        rate = _MP3_RATES[{3: 1, 2: 2, 0: 25}[version_bits]][(data[offset + 2] >> 2) & 3]
        samples += frame_samples
        frames += 1
        offset += length
    return samples / rate


_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)


def _adts_header(data: bytes, offset: int) -> tuple[int, int, int] | None:
    """(frame length, samples, sample rate) of an ADTS frame at ``offset``."""
    if offset + 7 > len(data) or data[offset] != 0xFF or data[offset + 1] & 0xF6 != 0xF0:
        return None
    rate_index = (data[offset + 2] >> 2) & 0x0F
    if rate_index >= len(_ADTS_RATES):
        return None
    length = (data[offset + 3] & 0x03) << 11 | data[offset + 4] << 3 | data[offset + 5] >> 5
    blocks = (data[offset + 6] & 0x03) + 1
    return (length, 1024 * blocks, _ADTS_RATES[rate_index]) if length >= 7 else None


def _aac(data: bytes, stop_after: float) -> float:
    offset = 0
    seconds = 0.0
    while offset < len(data) and seconds <= stop_after:
        header = _adts_header(data, offset)
        if header is None:
            raise UnreadableMedia(f"no ADTS frame at byte {offset}")
        length, samples, rate = header
        seconds += samples / rate
        offset += length
    return seconds


_CONTAINERS = frozenset({b"moov", b"trak", b"mdia"})


def _m4a(data: bytes, stop_after: float) -> float:
    """From the movie header box: ``moov/mvhd`` timescale and duration."""

    def walk(start: int, end: int) -> float | None:
        offset = start
        while offset + 8 <= end:
            size, box = struct.unpack_from(">I4s", data, offset)
            header = 8
            if size == 1:
                size, header = struct.unpack_from(">Q", data, offset + 8)[0], 16
            elif size == 0:
                size = end - offset
            if size < header:
                raise UnreadableMedia("bad MP4 box size")
            if box == b"mvhd":
                version = data[offset + header]
                if version == 1:
                    scale, length = struct.unpack_from(">IQ", data, offset + header + 20)
                else:
                    scale, length = struct.unpack_from(">II", data, offset + header + 12)
                return length / scale
            if box in _CONTAINERS:
                found = walk(offset + header, min(end, offset + size))
                if found is not None:
                    return found
            offset += size
        return None

    seconds = walk(0, len(data))
    if seconds is None:
        raise UnreadableMedia("no movie header in MP4")
    return seconds


_DURATION = {
    "audio/wav": _wav,
    "audio/amr": _amr,
    "audio/amr-wb": _amr,
    "audio/silk": _silk,
    "audio/mpeg": _mp3,
    "audio/aac": _aac,
    "audio/mp4": _m4a,
}
