"""Ranked search over the knowledge base, in memory: BM25 finds candidates, a calibrated score
decides.

Each question phrasing is a document. BM25 (over phrasings, plus a little of each answer) picks
the candidate items, but its raw values do not compare across queries, so the order and the
decision use ``confidence``: the geometric mean of how much of the question the item explains
and how much of its closest phrasing the question says, each term weighted by how informative
it is in general Chinese (``analysis.informativeness``: 社保卡 counts, 孩子 hardly). A runner-up
within ``_MARGIN`` lowers the winner's confidence. The thresholds were set on
tests/knowledge/data/paraphrases_{dev,heldout}.jsonl; bench/knowledge.py reports them on a set
never tuned on.
Pure: no I/O; build once per knowledge-base revision, query many times.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from intake.knowledge.analysis import informativeness, terms

# Answered at once from CONFIDENT; offered among "您是不是想问" choices from SUGGEST. At 0.65
# about 1 in 100 tuning questions got a confident answer that was wrong or not in the base.
CONFIDENT = 0.65
SUGGEST = 0.3
PROVINCE_WIDE = "FJ"
_K1, _B = 1.2, 0.5  # short documents: length normalisation matters less than usual
_ANSWER_WEIGHT = 0.25  # share of the answer's BM25 in the candidate rank
_ANSWER_CREDIT = 0.5  # a question term found only in the answer counts half as explained
_MARGIN = 0.1  # a runner-up closer than this makes the winner less certain


@dataclass(frozen=True)
class Entry:
    """What the index needs of one knowledge item."""

    item_id: int
    code: str
    questions: tuple[str, ...]
    answer: str
    category: str
    department: str
    region: str
    valid_from: datetime | None
    valid_to: datetime | None
    version: int

    def serves(self, *, region: str, now: datetime) -> bool:
        """In force now, and province-wide or for this city."""
        if self.region not in (PROVINCE_WIDE, region):
            return False
        if self.valid_from is not None and now < self.valid_from:
            return False
        return self.valid_to is None or now < self.valid_to


@dataclass(frozen=True)
class Hit:
    entry: Entry
    question: str  # the phrasing that matched best: what "您是不是想问" shows
    confidence: float  # in [0, 1]; see the module docstring

    @property
    def confident(self) -> bool:
        return self.confidence >= CONFIDENT


class _Bm25:
    """Okapi BM25 over term lists, with an inverted index so only matching documents cost."""

    def __init__(self, documents: Sequence[list[str]]) -> None:
        self.counts = [Counter(doc) for doc in documents]
        self.lengths = [len(doc) for doc in documents]
        self.average = (sum(self.lengths) / len(documents)) if documents else 1.0
        self.postings: dict[str, list[int]] = {}
        for number, counts in enumerate(self.counts):
            for term in counts:
                self.postings.setdefault(term, []).append(number)
        total = len(documents)
        self.idf = {
            term: math.log(1 + (total - len(docs) + 0.5) / (len(docs) + 0.5))
            for term, docs in self.postings.items()
        }

    def scores(self, query: Iterable[str]) -> dict[int, float]:
        result: dict[int, float] = {}
        for term in set(query):
            for number in self.postings.get(term, ()):
                tf = self.counts[number][term]
                norm = _K1 * (1 - _B + _B * self.lengths[number] / self.average)
                gain = self.idf[term] * tf * (_K1 + 1) / (tf + norm)
                result[number] = result.get(number, 0.0) + gain
        return result


@dataclass
class _Candidate:
    position: int  # in Index.entries
    similarity: float
    rank: float  # BM25, breaks ties
    phrasing: int


class Index:
    """The searchable knowledge base of one revision."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = list(entries)
        self._owner: list[int] = []  # phrasing document -> position of its entry
        self._phrasings: list[str] = []
        self._phrasing_terms: list[frozenset[str]] = []
        question_docs: list[list[str]] = []
        answer_docs: list[list[str]] = []
        self._vocabulary: list[frozenset[str]] = []
        self._answer_terms: list[frozenset[str]] = []
        for position, entry in enumerate(self.entries):
            vocabulary: set[str] = set()
            for question in entry.questions:
                doc = terms(question)
                question_docs.append(doc)
                self._owner.append(position)
                self._phrasings.append(question)
                self._phrasing_terms.append(frozenset(doc))
                vocabulary.update(doc)
            answer = terms(entry.answer)
            answer_docs.append(answer)
            self._vocabulary.append(frozenset(vocabulary))
            self._answer_terms.append(frozenset(answer))
        self._questions = _Bm25(question_docs)
        self._answers = _Bm25(answer_docs)
        self._phrasing_totals = [
            sum(informativeness(term) for term in doc) for doc in self._phrasing_terms
        ]

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, text: str, *, region: str, now: datetime, limit: int = 3) -> list[Hit]:
        """The best items for ``text`` served in ``region`` at ``now``, best first."""
        query = terms(text)
        if not query:
            return []
        weights = {term: informativeness(term) for term in set(query)}
        answer_scores = self._answers.scores(query)
        best: dict[int, _Candidate] = {}
        for number, score in self._questions.scores(query).items():
            position = self._owner[number]
            if not self.entries[position].serves(region=region, now=now):
                continue
            candidate = _Candidate(
                position=position,
                similarity=self._similarity(weights, position, number),
                rank=score + _ANSWER_WEIGHT * answer_scores.get(position, 0.0),
                phrasing=number,
            )
            current = best.get(position)
            if current is None or (candidate.similarity, candidate.rank) > (
                current.similarity,
                current.rank,
            ):
                best[position] = candidate
        ranked = sorted(best.values(), key=lambda c: (-c.similarity, -c.rank))
        hits: list[Hit] = []
        for place, candidate in enumerate(ranked[:limit]):
            confidence = candidate.similarity
            if place == 0 and len(ranked) > 1:
                gap = candidate.similarity - ranked[1].similarity
                confidence -= max(0.0, _MARGIN - gap)
            hits.append(
                Hit(
                    entry=self.entries[candidate.position],
                    question=self._phrasings[candidate.phrasing],
                    confidence=round(min(1.0, max(0.0, confidence)), 3),
                )
            )
        return hits

    def _similarity(self, weights: dict[str, float], position: int, number: int) -> float:
        """Geometric mean of two weighted coverages: the question by the item, and the phrasing
        by the question. Either alone is fooled: a short question is always "covered", and a
        long one always covers something."""
        vocabulary, answer = self._vocabulary[position], self._answer_terms[position]
        asked = sum(weights.values())
        explained = sum(
            weight * (1.0 if term in vocabulary else _ANSWER_CREDIT if term in answer else 0.0)
            for term, weight in weights.items()
        )
        phrasing_total = self._phrasing_totals[number]
        said = sum(weights[term] for term in self._phrasing_terms[number] & weights.keys())
        if not asked or not phrasing_total:
            return 0.0
        return math.sqrt((explained / asked) * (said / phrasing_total))
