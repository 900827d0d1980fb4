"""Timeline notes are stored in Chinese and read in the reader's language."""

from __future__ import annotations

import string

import pytest

from intake.catalogue import keys, text
from intake.timeline_notes import for_reader, timeline_note

SAMPLES = {"number": "FZ20261127000123", "department": "鼓楼区城市管理局", "due": "2026年12月3日"}
SENTENCES = sorted(key.removeprefix("timeline.") for key in keys() if key.startswith("timeline."))


def fields(key: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text(key, "zh-CN")) if f is not None}


@pytest.mark.parametrize("name", SENTENCES)
def test_every_timeline_sentence_reads_back_in_english(name: str):
    params = {field: SAMPLES[field] for field in fields(f"timeline.{name}")}
    stored = timeline_note(name, **params)
    assert stored == text(f"timeline.{name}", "zh-CN", **params)  # the record is Chinese
    english = {**params, **({"due": "2026-12-3"} if "due" in params else {})}
    assert for_reader(stored, "en") == text(f"timeline.{name}", "en", **english)
    assert for_reader(stored, "zh-CN") == stored


def test_free_text_is_shown_as_written():
    assert for_reader("已电话联系市民，约定周五上门", "en") == "已电话联系市民，约定周五上门"
