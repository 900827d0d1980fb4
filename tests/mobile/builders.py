"""Test data of the mobile tests: recordings built byte by byte, tickets taken to 办结."""

from __future__ import annotations

import io
import struct
import wave
from datetime import UTC, datetime

from intake import operations
from intake.workflow import Actor

STAFF = Actor("staff", "1")


def wav(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(b"\x80" * int(rate * seconds))
    return buffer.getvalue()


def amr(seconds: float) -> bytes:
    # Mode 7 (12.2 kbit/s) frames: a header byte and 31 bytes of speech, 20 ms each.
    return b"#!AMR\n" + (bytes([7 << 3 | 4]) + bytes(31)) * int(seconds / 0.02)


def silk(seconds: float) -> bytes:
    # WeChat voice: 0x02, the SILK header, then frames of (length, payload), 20 ms each.
    frame = struct.pack("<h", 40) + bytes(40)
    return b"\x02#!SILK_V3" + frame * int(seconds / 0.02) + struct.pack("<h", -1)


async def close(number: str) -> None:
    await operations.dispatch(number=number, department_code=None, actor=STAFF)
    await operations.accept(number=number, actor=STAFF)
    await operations.reply(number=number, reply_text="已于11月28日修复路灯。", actor=STAFF)
    await operations.close(number=number, actor=STAFF, now=datetime.now(UTC))
