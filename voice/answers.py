"""The answer to a voice survey call: keypad digits (DTMF) or a recognised spoken reply.

The call asks two things, in the order of the prompt: was the problem solved (1 yes, 2 no),
then satisfaction (1 满意, 2 基本满意, 3 不满意). Spoken replies are matched longest phrase
first with negations listed explicitly (不太满意 is not 满意), and with the homophones speech
recognition writes for them (不慢意, 满易): on the phone the words arrive through ASR.
Level names are those of ``notify.survey_answers`` so the survey code can take them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar

T = TypeVar("T")

RESOLVED_DIGITS = {"1": True, "2": False}
SATISFACTION_DIGITS = {"1": "satisfied", "2": "basically_satisfied", "3": "dissatisfied"}

_SATISFACTION = (
    ("非常不满意", "very_dissatisfied"),
    ("很不满意", "very_dissatisfied"),
    ("特别不满意", "very_dissatisfied"),
    ("不太满意", "dissatisfied"),
    ("不是很满意", "dissatisfied"),
    ("不怎么满意", "dissatisfied"),
    ("不大满意", "dissatisfied"),
    ("不满意", "dissatisfied"),
    ("没有不满意", "satisfied"),
    ("基本满意", "basically_satisfied"),
    ("还算满意", "basically_satisfied"),
    ("比较满意", "basically_satisfied"),
    ("还行", "basically_satisfied"),
    ("一般", "basically_satisfied"),
    ("非常满意", "very_satisfied"),
    ("很满意", "very_satisfied"),
    ("特别满意", "very_satisfied"),
    ("满意", "satisfied"),
)
_RESOLVED = (
    ("没有解决", False),
    ("没解决", False),
    ("未解决", False),
    ("不解决", False),
    ("还没好", False),
    ("没处理", False),
    ("没有处理", False),
    ("已经解决", True),
    ("解决了", True),
    ("已解决", True),
    ("处理好了", True),
    ("修好了", True),
    ("解决", True),
)
# What ASR writes for the key words (same syllables, other characters).
_HOMOPHONES = (("慢意", "满意"), ("满易", "满意"), ("满义", "满意"), ("姐决", "解决"))
_SPOKEN_DIGITS = str.maketrans("一二三幺", "1231")


@dataclass(frozen=True)
class CallAnswer:
    resolved: bool | None
    satisfaction: str | None
    source: str  # dtmf | speech | none

    @property
    def understood(self) -> bool:
        return self.resolved is not None or self.satisfaction is not None

    def to_dict(self) -> dict[str, object]:
        return {"resolved": self.resolved, "satisfaction": self.satisfaction, "source": self.source}


def from_digits(digits: str) -> CallAnswer:
    """Keypad answer: first digit resolved, second satisfaction; other keys are ignored."""
    keys = [d for d in digits if d in "0123456789"]
    resolved = RESOLVED_DIGITS.get(keys[0]) if keys else None
    satisfaction = SATISFACTION_DIGITS.get(keys[1]) if len(keys) > 1 else None
    return CallAnswer(resolved, satisfaction, "dtmf")


def _longest_first(text: str, table: tuple[tuple[str, T], ...]) -> T | None:
    """The value of the longest phrase in ``text``; ties go to the earliest in the text."""
    best: tuple[int, int, T] | None = None
    for phrase, value in table:
        at = text.find(phrase)
        if at >= 0 and (best is None or (len(phrase), -at) > (best[0], -best[1])):
            best = (len(phrase), at, value)
    return best[2] if best else None


def from_speech(transcript: str) -> CallAnswer:
    """Spoken answer, e.g. 解决了，基本满意 / 没解决，不太满意 / 按1 (spoken digits count too)."""
    text = "".join(ch for ch in transcript if not ch.isspace() and ch not in "，。,.！!？?")
    for heard, meant in _HOMOPHONES:
        text = text.replace(heard, meant)
    resolved = _longest_first(text, _RESOLVED)
    satisfaction = _longest_first(text, _SATISFACTION)
    if resolved is None and satisfaction is None:
        digits = "".join(ch for ch in text.translate(_SPOKEN_DIGITS) if ch.isdigit())
        if digits:  # "按一，再按二": the caller spoke the keys
            return replace(from_digits(digits), source="speech")
    return CallAnswer(resolved, satisfaction, "speech")
