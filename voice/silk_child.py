"""The child process that runs the SILK reference decoder (see ``voice.silk`` for why).

SILK on stdin, 16-bit PCM on stdout. Imports nothing but ``pysilk``: it starts once per
recording, so its start-up time is part of every SILK transcription.
"""

from __future__ import annotations

import io
import sys

NOT_INSTALLED = 3


def main(rate: int) -> int:
    try:
        import pysilk
    except ImportError:
        return NOT_INSTALLED
    target = io.BytesIO()
    try:
        pysilk.decode(io.BytesIO(sys.stdin.buffer.read()), target, rate)
    except pysilk.SilkError as exc:
        print(f"invalid packet ({exc})", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(target.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1])))
