"""Survey answers written in English ("not really satisfied", "it hasn't been fixed").

The Chinese reader (``intake.survey_answers``) matches phrases inside the text with the spaces
taken out; English needs words, and a negation a few words before the key word turns it round:
"has not been fixed" is unsolved, "not very satisfied" dissatisfied.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z]+(?:['’][a-z]+)?")
_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "nothing",
        "hardly",
        "barely",
        "hasn't",
        "haven't",
        "isn't",
        "wasn't",
        "didn't",
        "don't",
        "doesn't",
        "wasnt",
        "hasnt",
        "havent",
        "isnt",
        "didnt",
        "dont",
        "doesnt",
        "won't",
        "wont",
    ]
)
_WINDOW = 3  # words before a key word that may negate or qualify it
_SOLVED = frozenset({"solved", "resolved", "fixed", "repaired", "sorted"})
_UNSOLVED = frozenset({"unsolved", "unresolved", "unfixed"})
_PLEASED = frozenset({"satisfied", "happy", "pleased", "content"})
_DISPLEASED = frozenset({"dissatisfied", "unsatisfied", "unhappy", "displeased"})
_VERY = frozenset({"very", "extremely", "completely", "totally", "really", "so", "super"})
_FAIRLY = frozenset({"fairly", "quite", "somewhat", "mostly", "basically", "reasonably", "kind"})
_THANKS = frozenset({"thanks", "thank", "thx"})
_FILLER = frozenset(
    [
        "i",
        "i'm",
        "im",
        "am",
        "it",
        "it's",
        "its",
        "is",
        "was",
        "the",
        "problem",
        "has",
        "been",
        "have",
        "yes",
        "yeah",
        "and",
        "but",
        "you",
        "a",
        "all",
        "at",
        "my",
        "we",
        "are",
        "with",
        "of",
    ]
)


def read_english(text: str) -> tuple[bool | None, str | None]:
    """(resolved, satisfaction level) found in English ``text``; None where it says nothing.
    Discontent wins over content, as in the Chinese reader: the survey exists to catch it."""
    words = [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    resolved: bool | None = None
    levels: list[str] = []
    for i, word in enumerate(words):
        before = words[max(0, i - _WINDOW) : i]
        negated = bool(_NEGATIONS.intersection(before))
        if word in _UNSOLVED or (word in _SOLVED and negated):
            resolved = False
        elif word in _SOLVED and resolved is None:
            resolved = True
        if word in _DISPLEASED:
            levels.append("very_dissatisfied" if _VERY.intersection(before) else "dissatisfied")
        elif word in _PLEASED:
            levels.append(_pleased(before, negated, at_all=words[i + 1 : i + 3] == ["at", "all"]))
    negative = [level for level in levels if level.endswith("dissatisfied")]
    if negative:
        return resolved, "very_dissatisfied" if "very_dissatisfied" in negative else negative[0]
    if levels:
        return resolved, levels[0]
    if _THANKS.intersection(words):
        return resolved, "satisfied"  # a thank-you, as 谢谢 in Chinese
    return resolved, None


def says_more_in_english(text: str) -> bool:
    """Whether an English reply has words beyond the answer itself ("fixed, but the workers
    left rubbish everywhere"): those are kept as the comment."""
    known = _NEGATIONS | _SOLVED | _UNSOLVED | _PLEASED | _DISPLEASED | _VERY | _FAIRLY
    words = _WORD.findall(text.lower())
    return sum(word not in known and word not in _THANKS | _FILLER for word in words) >= 2


def _pleased(before: list[str], negated: bool, *, at_all: bool) -> str:
    if negated:
        # "not at all satisfied" / "not satisfied at all" is very dissatisfied; "not (very|
        # really) satisfied" is dissatisfied.
        return "very_dissatisfied" if at_all or "all" in before else "dissatisfied"
    if _VERY.intersection(before):
        return "very_satisfied"
    if _FAIRLY.intersection(before):
        return "basically_satisfied"
    return "satisfied"
