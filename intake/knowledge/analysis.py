"""Turning Chinese text into search terms: segmentation, synonyms, stop words.

jieba segments (its own dictionary ships in the package: nothing is downloaded); a private
``jieba.Tokenizer`` keeps our added words out of the process-wide default one. Every term of
``data/synonyms.txt`` is taught to it, so "上户口" stays one word and then becomes "落户".
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jieba

_DATA = Path(__file__).parent / "data"
_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"^\d+$")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

# jieba announces loading its dictionary at DEBUG on a stderr handler of its own.
logging.getLogger("jieba").setLevel(logging.WARNING)


def normalize(text: str) -> str:
    """NFKC (full-width to half-width) and lower case, so one spelling serves all."""
    return unicodedata.normalize("NFKC", text.translate(_FULLWIDTH_DIGITS)).lower()


@cache
def stop_words() -> frozenset[str]:
    """data/stopwords.txt: words that never count as search terms."""
    content = (_DATA / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(
        normalize(word) for line in content.splitlines() for word in line.split("#", 1)[0].split()
    )


@dataclass(frozen=True)
class Synonyms:
    canonical: dict[str, str]  # every variant (and canonical term) to its canonical term
    extra: dict[str, tuple[str, ...]]  # canonical term to the further terms it also stands for


@cache
def synonyms() -> Synonyms:
    """data/synonyms.txt, parsed."""
    canonical: dict[str, str] = {}
    pending: dict[str, list[str]] = {}
    for line in (_DATA / "synonyms.txt").read_text(encoding="utf-8").splitlines():
        group, _, implied = line.split("#", 1)[0].partition("=>")
        words = [normalize(word) for word in group.split()]
        if not words:
            continue
        for word in words:
            canonical.setdefault(word, words[0])
        if implied.split():
            pending[words[0]] = [normalize(word) for word in implied.split()]
    extra = {
        head: tuple(canonical.get(word, word) for word in implied)
        for head, implied in pending.items()
    }
    return Synonyms(canonical=canonical, extra=extra)


# log(total/frequency) of jieba's dictionary runs from about 7 (怎么, 政府) to 18 (unseen words).
_COMMON = 7.0
_FLOOR = 0.3


@dataclass
class _Segmenter:
    tokenizer: jieba.Tokenizer
    frequency: dict[str, int]  # jieba's own word frequencies, before we added ours
    total: int


@cache
def _segmenter() -> _Segmenter:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    frequency = {word: tokenizer.FREQ.get(word, 0) for word in synonyms().canonical}
    for word in synonyms().canonical:
        # A high frequency makes the whole word win over the pieces jieba knows.
        tokenizer.add_word(word, freq=200_000)
    return _Segmenter(tokenizer=tokenizer, frequency=frequency, total=tokenizer.total)


def informativeness(term: str) -> float:
    """How much a word says in general Chinese (from jieba's frequencies): about 1 for 孩子,
    3 for 申请, 9.5 for 社保卡, 11 for a word jieba never saw."""
    segmenter = _segmenter()
    frequency = segmenter.frequency.get(term)
    if frequency is None:
        frequency = segmenter.tokenizer.FREQ.get(term, 0)
    return max(_FLOOR, math.log(segmenter.total / (frequency + 1)) - _COMMON)


def warm_up() -> None:
    """Load the dictionary now (about a second) instead of on the first question."""
    _segmenter()


def terms(text: str) -> list[str]:
    """The search terms of ``text``, in order, with repeats (BM25 counts them)."""
    table, ignored = synonyms(), stop_words()
    found: list[str] = []
    for word in _segmenter().tokenizer.lcut(normalize(text), HMM=False):
        word = _PUNCTUATION.sub("", word)
        if not word:
            continue
        word = table.canonical.get(word, word)
        if word in ignored or (_DIGITS.match(word) and word != "12345"):
            continue
        found.append(word)
        found.extend(table.extra.get(word, ()))
    return found
