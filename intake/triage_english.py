"""Triage of a request written in English (Telegram users abroad, foreign residents, investors).

The Chinese rules (`intake.triage`) read Chinese: given "There is a fire next door" they find no
cue at all. This module follows the same three stages with English cues from
`intake/data/triage_english.txt`, matched as whole words: an emergency happening now (the same
clause rules: a cue in a hypothetical or habitual clause does not count, a past event does not
unless the text says now), then the few out-of-scope reasons an English request raises, then
category and kind. A request mixing English with a Chinese address is English when it has at
least three English words and more of them than half its Chinese characters (``is_english``);
the Chinese emergency cues are consulted as well, so a Chinese word for fire is never missed, and
an English cry for help inside Chinese text is checked too (``intake.triage``). Confidence is
lower than the Chinese rules give (the cues are fewer, measured on four small blind sets in
docs/benchmarks.md): at most 0.6, so staff confirm the category.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from intake.taxonomy import CATEGORIES, KINDS, OTHER, OUT_OF_SCOPE_REASONS
from intake.triage_lexicon import (
    CATEGORY_PRIORITY,
    DEFAULT_KIND,
    KINDS_BY_PRIORITY,
    OUT_OF_SCOPE_KIND,
    normalize,
    section_lines,
)
from intake.triage_result import IN_SCOPE, NORMAL, URGENT, TriageResult

_DATA = Path(__file__).parent / "data" / "triage_english.txt"
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_ADDRESSES = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+")
_CJK = re.compile("[\u4e00-\u9fff]")
_CLAUSE_SPLIT = re.compile(r"[,.!?;:，。！？；：]+|\s(?:but|and then|because)\s")
_ALARM = re.compile(
    r"\b(?:fire|flames?|smoke|explo\w+|blood|bleed\w*|unconscious|breath\w*|ambulance|police"
    r"|knife|knives|guns?|attack\w*|robb\w*|assault\w*|crash\w*|accident|injur\w*|hurt"
    r"|trapped|drown\w*|emergency|danger\w*|kidnap\w*|missing|suicide|poison\w*|snatch\w*"
    r"|stolen|dragg\w*|screaming|scared|hurry|urgent\w*|(?:not|won't|can't) wake|follow\w* me)\b"
)
_VICTIM = re.compile(r"\b(?:me|my|mine|myself|us|our|ours)\b")
_URGENT = re.compile(r"\b(?:danger(?:ous)?|hazardous|urgent(?:ly)?|about to (?:fall|collapse))\b")
_PRAISE = 4.0
CONFIDENT = 0.6
UNSURE = 0.3


def is_english(text: str) -> bool:
    """Whether the request is written in English: at least three English words, and more of
    them than half the Chinese characters. "fire at 鼓楼区五一北路88号, please come" is English;
    "我在Apple Store买的iPad坏了" (brand names), or a Chinese sentence quoting a web address, is
    not."""
    lowered = _ADDRESSES.sub(" ", normalize(text))
    words = len(_WORD.findall(lowered))
    return words >= 3 and 2 * words >= len(_CJK.findall(lowered))


def has_english(text: str) -> bool:
    """Two English words or more: enough for an English cry for help inside Chinese text."""
    return len(_WORD.findall(_ADDRESSES.sub(" ", normalize(text)))) >= 2


def might_be_an_emergency(text: str) -> bool:
    """An English request that names a danger without the cues of an emergency happening now
    ("smoke", "bleeding", "police"): the dialogue reminds the citizen of 110/119/120/122."""
    return is_english(text) and _ALARM.search(normalize(text)) is not None


def chinese_characters(text: str) -> int:
    """How many Chinese characters the text has (an address, or a whole clause)."""
    return len(_CJK.findall(text))


class _Cues:
    """One section of the cue file: whole-word patterns, each with a weight."""

    def __init__(self, lines: list[tuple[str, float]]) -> None:
        self.patterns = [(re.compile(rf"\b(?:{pattern})\b"), weight) for pattern, weight in lines]
        self.any = re.compile("|".join(rf"\b(?:{pattern})\b" for pattern, _ in lines))

    def found(self, text: str) -> bool:
        return self.any.search(text) is not None

    def score(self, text: str) -> float:
        return sum(weight * len(p.findall(text)) for p, weight in self.patterns)


@cache
def _sections() -> dict[str, _Cues]:
    sections = section_lines(_DATA)
    unknown = [section for section in sections if not _known(section)]
    if unknown:
        raise ValueError(f"{_DATA}: unknown sections {unknown}")
    return {
        section: _Cues([_weighted(line) for line in lines]) for section, lines in sections.items()
    }


def _weighted(line: str) -> tuple[str, float]:
    pattern, _, weight = line.partition("  @")
    return pattern.strip(), float(weight) if weight else 2.0


def _known(section: str) -> bool:
    group, _, name = section.partition(".")
    if group == "out":
        return name in OUT_OF_SCOPE_REASONS
    if group == "kind":
        return name in KINDS
    return group == "emergency" or section in CATEGORIES


def _has(group: str, text: str) -> bool:
    return _sections()[f"emergency.{group}"].found(text)


def _live(text: str) -> str:
    """The clauses that may describe a danger happening now (see `intake.triage._live`)."""
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if c.strip()]
    return " | ".join(
        c
        for c in clauses
        if not _has("hypothetical", c)
        and not _has("habitual", c)
        and (not _has("past", c) or _has("now", c))
    )


def emergency_result(text: str) -> TriageResult | None:
    """The triage of an English emergency happening now, or None."""
    lowered = normalize(text)
    found = _emergency(lowered)
    if found is None:
        return None
    # A bystander reporting violence against others reports it (as in the Chinese rules).
    witness = found[1] == "crime" and not _VICTIM.search(lowered)
    kind = "report" if witness else "help"
    return TriageResult(f"emergency:{found[0]}", kind, None, URGENT, CONFIDENT)


def _emergency(text: str) -> tuple[str, str] | None:
    """(number, cue group) for normalised ``text``."""
    text = _sections()["emergency.false_friends"].any.sub(" ", text)
    # A thank-you for a rescue is about an emergency that is over (as in the Chinese rules).
    if _sections()["kind.praise"].score(text) >= _PRAISE:
        return None
    now = _has("now", text)
    if _has("past", text) and not now:
        return None
    live = _live(text)
    aftermath = _has("aftermath", text) and not now
    gas_leak = _has("gas_leak", live) and not _has("reported", text)
    if gas_leak or _has("fire", live):
        return "119", "fire"
    injured = _has("injury", live) and not _has("no_injury", text)
    if _has("crash", live) and (injured or now) and not aftermath:
        return "122", "crash"
    for group in ("crime", "missing", "selfharm"):
        if _has(group, live):
            return "110", group
    if _has("fraud", live) and now and not aftermath:
        return "110", "fraud"
    if _has("rescue", live):
        return "119", "rescue"
    if _has("medical", live) and not aftermath:
        return "120", "medical"
    return None


def _best(scores: Mapping[str, float], order: tuple[str, ...]) -> str | None:
    ranked = sorted(
        (label for label, score in scores.items() if score > 0),
        key=lambda label: (-scores[label], order.index(label) if label in order else len(order)),
    )
    return ranked[0] if ranked else None


def triage_english(text: str, chinese_emergency: str | None = None) -> TriageResult:
    """Scope, kind, category and urgency of an English request. ``chinese_emergency`` is what
    the Chinese rules found in the same text (a Chinese word for fire in an English sentence)."""
    lowered = normalize(text)
    sections = _sections()
    emergency = emergency_result(text)
    if emergency is not None:
        return emergency
    if chinese_emergency is not None:
        return TriageResult(f"emergency:{chinese_emergency}", "help", None, URGENT, CONFIDENT)
    for reason in OUT_OF_SCOPE_REASONS:
        cues = sections.get(f"out.{reason}")
        if cues is not None and cues.found(lowered):
            kind = OUT_OF_SCOPE_KIND.get(reason, "consult")
            return TriageResult(f"out:{reason}", kind, None, NORMAL, UNSURE)
    categories = {code: sections[code].score(lowered) for code in CATEGORIES if code in sections}
    category = _best(categories, CATEGORY_PRIORITY) or OTHER
    kinds = {
        kind: sections[f"kind.{kind}"].score(lowered)
        for kind in KINDS_BY_PRIORITY
        if f"kind.{kind}" in sections
    }
    kind = _best(kinds, KINDS_BY_PRIORITY) or DEFAULT_KIND.get(category, "consult")
    urgency = URGENT if _URGENT.search(lowered) else NORMAL
    return TriageResult(
        IN_SCOPE, kind, category, urgency, CONFIDENT if category != OTHER else UNSURE
    )
