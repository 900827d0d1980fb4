"""What every benchmark script shares: its section of docs/benchmarks.md, a free port, and the
CPU a server process tree has used."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def write_section(output: Path, title: str, section: str) -> None:
    """Replace the section starting with ``title`` (up to the next ``###``), or append it."""
    text = output.read_text(encoding="utf-8") if output.exists() else "# Benchmarks\n"
    section = section.rstrip("\n") + "\n"
    start = text.find(title)
    if start >= 0:
        end = text.find("\n### ", start + len(title))
        text = text[:start] + section + ("\n" + text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    output.write_text(text, encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int | None) -> float:
    """CPU time used so far by a process and its children (Linux /proc), e.g. a server and its
    worker processes."""
    if pid is None:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    total = 0
    for each in [pid, *(int(c) for c in children)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks
