"""Character error rate and real-time factor of speech recognition, per engine and format.

    python bench/asr.py [--limit 20] [--formats wav,amr,silk,mp3,m4a,tel8k]
                        [--engine whisper] [--prompt TEXT] [--output docs/benchmarks.md]

Audio is made from the sentences of the shared corpus (`../shared/corpus/requests.jsonl`) with
espeak-ng's Mandarin voice, then converted to each inbound format as the channels receive it
(AMR-NB 8 kHz for WeChat, SILK, mp3/m4a for the mini-program, 8 kHz WAV for calls). espeak-ng
is robotic: error rates on real speech are much lower, so read the CER as a comparison between
formats and settings, not as the quality a citizen will see.

RTF is processing time / audio duration, decoding included; `cpu RTF` is process CPU time /
duration / cores used, which is what the wall figure would be on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: make the project importable without installing

from hotline.settings import Settings
from tests.voice.conftest import cer, encode
from voice import asr

DEFAULT_CORPUS = REPO.parent / "shared/corpus/requests.jsonl"
FORMATS = ("wav", "amr", "silk", "mp3", "m4a", "tel8k")


def sentences(path: Path, limit: int) -> list[str]:
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line)["text"] for line in f if line.strip()]
    return rows[:limit]


def speak(text: str) -> bytes:
    command = ["espeak-ng", "-v", "cmn-latn-pinyin", "-s", "150", "--stdout", text]
    return subprocess.run(command, capture_output=True, check=True).stdout


def run(settings: Settings, texts: list[str], formats: list[str]) -> list[dict[str, object]]:
    load_start = time.perf_counter()
    asr.engine_for(settings)
    load_seconds = time.perf_counter() - load_start
    waves = [speak(t) for t in texts]
    rows = []
    for fmt in formats:
        errors = chars = 0.0
        wall = cpu = audio = 0.0
        for text, wav in zip(texts, waves, strict=True):
            data = encode(wav, fmt)
            w0, c0 = time.perf_counter(), time.process_time()
            result = asr.transcribe_audio(data, settings=settings)
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
            audio += result.duration
            reference = [c for c in text if c.isalnum()]
            errors += cer(text, result.text) * len(reference)
            chars += len(reference)
        rows.append(
            {
                "format": fmt,
                "clips": len(texts),
                "audio_s": round(audio, 1),
                "cer": round(errors / chars, 3),
                "rtf": round(wall / audio, 3),
                "cpu_rtf": round(cpu / audio / settings.voice_whisper_cpu_threads, 3),
                "load_s": round(load_seconds, 1),
            }
        )
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def heading(settings: Settings) -> str:
    return (
        f"speech recognition: {settings.voice_asr_engine} "
        f"({settings.voice_whisper_compute_type}, beam {settings.voice_whisper_beam_size}, "
        f"{settings.voice_whisper_cpu_threads} threads, prompt "
        f"{settings.voice_whisper_initial_prompt or 'none'})"
    )


def section(settings: Settings, rows: list[dict[str, object]], argv: list[str]) -> str:
    lines = [
        f"### {heading(settings)}",
        "",
        f"`python bench/asr.py {' '.join(argv)}` — {rows[0]['clips']} corpus sentences spoken by "
        f"espeak-ng (`cmn-latn-pinyin`), {date.today().isoformat()}. espeak-ng's Mandarin is "
        "robotic: real callers' CER will be far lower; compare rows, not absolute values. "
        "Other processes shared the 2 cores during the run: `cpu RTF` (CPU time / audio / "
        "threads) is the idle-machine estimate.",
        "",
        "| format | clips | audio s | CER | RTF (wall) | cpu RTF | model load s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['format']} | {r['clips']} | {r['audio_s']} | {r['cer']} | {r['rtf']} "
            f"| {r['cpu_rtf']} | {r['load_s']} |"
        )
    return "\n".join(lines) + "\n"


def replace_section(path: Path, title_prefix: str, new: str) -> None:
    """Swap the section whose heading starts with ``title_prefix`` (or append it)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^### {re.escape(title_prefix)}.*?(?=^### |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: new + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + new
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--engine", default="whisper")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--beam-size", type=int, default=1)
    parser.add_argument("--prompt", default="")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    settings = Settings(
        data_dir=Path(os.environ.get("TMPDIR", "/tmp")) / "hotline-bench-asr",
        voice_asr_engine=args.engine,
        voice_whisper_compute_type=args.compute_type,
        voice_whisper_beam_size=args.beam_size,
        voice_whisper_initial_prompt=args.prompt,
    )
    rows = run(settings, sentences(args.corpus, args.limit), args.formats.split(","))
    if args.output:
        replace_section(args.output, heading(settings), section(settings, rows, sys.argv[1:]))


if __name__ == "__main__":
    main()
