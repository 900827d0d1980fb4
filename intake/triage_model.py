"""The learned half of triage: logistic regression over character n-grams, combined with rules.

`intake.triage` asks the rules and this model; how the two are combined is decided in
`intake.triage` with the constants stored next to the weights (`Combination`). The model has four
heads over the same features:

- `kind`: the 诉求类型, trained on every labelled request;
- `scope`: `in`, `emergency` or `out` (the group only: the number or reason comes from the rules
  or from `reason`);
- `reason`: the 不予受理 reason, trained on out-of-scope requests only;
- `category`: the 事项分类 code, trained on in-scope requests only.

Features are the distinct character 1-3-grams of each clause, with `<` and `>` marking the
clause's start and end and every run of digits written `0`, taken from text already normalised
by `intake.triage` (NFKC, lower case, the citizen's own phone and ID numbers removed). The
vocabulary is the n-grams of at least two training requests; each one present counts
1/sqrt(number present), so long and short requests weigh alike, and a head's score for a label
is its bias plus those values times the label's weights, turned into log-probabilities. The
weights file is read once, on the first request. Scoring is a dictionary lookup per n-gram and a
column-wise sum for `kind` and `scope`; `reason` and `category` are computed only when triage
asks for them.

`bench/train_triage.py` trains the weights (multinomial logistic regression, AdaGrad, L2) and
writes `data/triage_model.json`, with the k-fold cross-validation it used to choose the
combination; see its docstring.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).parent / "data" / "triage_model.json"
FORMAT = 2
HEADS: tuple[str, ...] = ("kind", "scope", "reason", "category")

_SPLIT = re.compile(r"[,.!?;:，。！？；：、\s~～…\"'()（）\[\]【】“”‘’]+")
_DIGITS = re.compile(r"\d+")


def features(text: str) -> set[str]:
    """The distinct character 1-3-grams of each clause of normalised `text`."""
    grams: set[str] = set()
    for clause in _SPLIT.split(_DIGITS.sub("0", text)):
        if not clause:
            continue
        s = f"<{clause}>"
        grams.update(clause)
        pairs = list(map(str.__add__, s, s[1:]))  # map and str.__add__: 30% faster than slices
        grams.update(pairs)
        grams.update(map(str.__add__, pairs, s[2:]))
    return grams


@dataclass(frozen=True)
class Combination:
    """How `intake.triage` weighs the model against the rules (chosen by cross-validation).

    - kind: the label maximising log P(kind | text) + `kind_rule_weight` × the rules' score;
    - scope: when the rules find the request in scope but the model's log-odds of `out` over
      `in` reach `out_log_odds`, it is out of scope;
    - category: when no category phrase matches (`other`), the model's category if its
      posterior reaches `category_min_prob`.
    """

    kind_rule_weight: float = 0.2
    out_log_odds: float = 1.0
    category_min_prob: float = 0.2


class Prediction:
    """Log posteriors, label -> log P(label | text), one mapping per head. `kind` and `scope`
    are computed at once; `reason` and `category`, which triage needs only now and then, on
    first access."""

    def __init__(self, model: Model, grams: set[str]) -> None:
        self._model = model
        self._grams = grams
        self.kind, self.scope, self._value = model.kind_and_scope(grams)

    @cached_property
    def reason(self) -> dict[str, float]:
        return self._model.head("reason", self._grams, self._value)

    @cached_property
    def category(self) -> dict[str, float]:
        return self._model.head("category", self._grams, self._value)

    @staticmethod
    def best(log_probs: Mapping[str, float]) -> tuple[str, float]:
        """(label, probability) of the most probable label."""
        label = max(log_probs, key=lambda k: log_probs[k])
        return label, math.exp(log_probs[label])


def _log_softmax(labels: tuple[str, ...], scores: list[float]) -> dict[str, float]:
    top = max(scores)
    norm = top + math.log(sum(math.exp(s - top) for s in scores))
    return {label: s - norm for label, s in zip(labels, scores, strict=True)}


class Model:
    """Weights loaded from the JSON that `bench/train_triage.py` writes.

    Per n-gram, a tuple of weights per label, looked up once and summed column-wise. `kind` and
    `scope` share one table that holds every n-gram of the vocabulary (so it also counts the
    n-grams present); `reason` and `category` have their own, without all-zero rows. Weights
    are whole multiples of the file's `unit`, so equal weights share one float object.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise ValueError(f"triage model format {data.get('format')!r}, expected {FORMAT}")
        heads = data["heads"]
        self.labels = {name: tuple(heads[name]["labels"]) for name in HEADS}
        self.bias = {name: tuple(heads[name]["bias"]) for name in HEADS}
        self.combination = Combination(**data.get("combination", {}))
        unit = float(data["unit"])
        floats: dict[int, float] = {}
        zeros = {name: [0] * len(self.labels[name]) for name in HEADS}
        self._tables: dict[str, dict[str, tuple[float, ...]]] = {
            "main": {},
            "reason": {},
            "category": {},
        }
        for gram, (kind, scope, reason, category) in data["weights"].items():
            for table, weights in (
                ("main", (kind or zeros["kind"]) + (scope or zeros["scope"])),
                ("reason", reason),
                ("category", category),
            ):
                if weights or table == "main":
                    self._tables[table][gram] = tuple(
                        floats.setdefault(w, w * unit) for w in weights
                    )

    def predict(self, text: str) -> Prediction:
        """Log posteriors of every head for normalised `text`."""
        return Prediction(self, features(text))

    def _sums(self, table: str, grams: set[str], width: int) -> tuple[list[float], int]:
        """Column sums of the rows of `grams` in `table`, and how many rows there were."""
        rows = list(filter(None, map(self._tables[table].get, grams)))
        return [sum(column) for column in zip(*rows, strict=True)] or [0.0] * width, len(rows)

    def kind_and_scope(self, grams: set[str]) -> tuple[dict[str, float], dict[str, float], float]:
        """Log posteriors of `kind` and `scope`, and the value of one n-gram present."""
        n = len(self.labels["kind"])
        sums, known = self._sums("main", grams, n + len(self.labels["scope"]))
        value = 1.0 / math.sqrt(known) if known else 0.0
        kind = [b + s * value for b, s in zip(self.bias["kind"], sums[:n], strict=True)]
        scope = [b + s * value for b, s in zip(self.bias["scope"], sums[n:], strict=True)]
        return (
            _log_softmax(self.labels["kind"], kind),
            _log_softmax(self.labels["scope"], scope),
            value,
        )

    def head(self, name: str, grams: set[str], value: float) -> dict[str, float]:
        """Log posteriors of head `name` (`reason` or `category`)."""
        sums, _ = self._sums(name, grams, len(self.labels[name]))
        scores = [b + s * value for b, s in zip(self.bias[name], sums, strict=True)]
        return _log_softmax(self.labels[name], scores)


@lru_cache(maxsize=1)
def model() -> Model:
    """The shipped model, read on first use."""
    with MODEL_PATH.open(encoding="utf-8") as f:
        return Model(json.load(f))


def predict(text: str) -> Prediction:
    """Log posteriors of every head for `text`, normalised as `intake.triage` does."""
    return model().predict(text)
