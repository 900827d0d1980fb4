"""Triage of a citizen's free-text request: scope, kind, category, urgency.

Three stages, in the order an operator thinks. Is it an emergency (tell them to call 110/119/
120/122 now)? Is it outside 12345's 受理范围 (name the right channel)? Otherwise, what is it about
(category) and what does the citizen want (kind)? Rules answer each stage by summing weighted
phrases, matched longest first (`intake.triage_lexicon` and the files under `intake/data/`), plus
context rules a phrase list cannot express: a fire last month is not a 119 call. A small learned
model (`intake.triage_model`) is combined with them in `decide`: the kind is the model's most
probable one once the rules' kind scores are added to its log-probabilities; the model may move
an in-scope request out of scope, but never declares or cancels an emergency; and it names the
category only when no phrase matches. Pure and deterministic; the weights are read on first use.
A request written in English goes to `intake.triage_english` instead (see `_triage_prepared`).

Decisions worth knowing:
- A gas leak happening now is 119 (消防 handles leaks and the explosion risk). A gas smell the
  citizen has already reported to the gas company and wants chased is `utility.gas`, urgent.
- A traffic accident with injuries is 122, not 120: 122 dispatches the ambulance too. A past
  accident with a dispute about the insurance is `police.traffic`, in scope.
- When several lines fit: fire/gas 119 > crash 122 > crime 110 > rescue 119 > medical 120.
- A 110 call from a bystander about violence is a 举报 (`report`), from a victim or a relative a
  求助 (`help`).
- The rules' kind cues depend on where they stand (`intake.triage_lexicon_kind`): the opening
  names it ("请问", "建议"), a closing question or polite ask after a grievance stays a
  grievance, a closing "怎么办" is a plea for help, and a worry ("怕跑路") is not a grievance.
- `confidence` is a heuristic in [0, 1], not a calibrated probability: below about 0.5 (always
  when the model alone chose the category or the refusal) the dialogue should confirm with the
  citizen or leave it to an operator.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from intake import triage_lexicon as lex
from intake import triage_lexicon_kind as kl
from intake import triage_model
from intake.taxonomy import OTHER
from intake.triage_english import (
    chinese_characters,
    emergency_result,
    has_english,
    is_english,
    triage_english,
)
from intake.triage_lexicon import Lexicon, normalize
from intake.triage_model import Combination, Prediction
from intake.triage_result import IN_SCOPE, NORMAL, URGENT, TriageResult

__all__ = ["IN_SCOPE", "NORMAL", "URGENT", "TriageResult", "decide", "triage"]


def _any(words: Iterable[str], text: str) -> bool:
    return any(w in text for w in words)


def _has(group: str, text: str) -> bool:
    """Whether a phrase of emergency cue group `group` occurs in `text`."""
    return _CUE[group].search(text) is not None


def _add(scores: dict[str, float], label: str, weight: float) -> None:
    scores[label] = scores.get(label, 0.0) + weight


def _best(scores: Mapping[str, float], rank: Mapping[str, int]) -> list[tuple[str, float]]:
    """Positive scores, highest first; ties broken by `rank` (lower first)."""
    return sorted(
        ((label, s) for label, s in scores.items() if s > 0),
        key=lambda ls: (-ls[1], rank.get(ls[0], len(rank))),
    )


def _margin(ranked: list[tuple[str, float]]) -> float:
    """1.0 when nothing competes with the winner, 0.5 on a tie."""
    top = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return top / (top + second)


_CATEGORY = Lexicon(lex.CATEGORY_TABLES)
_KIND = Lexicon(lex.KIND_TABLES)
_OUT = Lexicon(lex.OUT_OF_SCOPE_TABLES)
# One alternation per cue group: "does any cue occur in this clause" is asked very often.
_CUE = {
    group: re.compile("|".join(re.escape(normalize(w)) for w in words))
    for group, words in lex.EMERGENCY_CUES.items()
}
_CATEGORY_RANK = {c: i for i, c in enumerate(lex.CATEGORY_PRIORITY)}
_KIND_RANK = {k: i for i, k in enumerate(lex.KINDS_BY_PRIORITY)}
_OUT_RANK = {r: i for i, r in enumerate(lex.OUT_OF_SCOPE_PRIORITY)}
_THANKS = {p: lex.KIND_TABLES["praise"][p] for p in kl.TRAILING_THANKS}

_CLAUSE_SPLIT = re.compile(r"[,.!?;:，。！？；：、\s~～…]+")
_CLAUSE = re.compile(r"[^,.!?;:，。！？；：、\s~～…]+")
# The citizen's own phone or ID number says nothing about the matter (and 身份证 would pull the
# request towards police.household), so the label and the digits are dropped before scoring.
_OWN_NUMBERS = re.compile(
    r"(?:我的)?(?:身份证|电话|手机|联系方式|证件)(?:号码|号)?(?:是|为|:)?\s*\d[\dx\- ]{5,}"
)
_PHONE_OR_ID = re.compile(r"\d{11,18}x?")
# Chinese characters enough to be more than an address in an English request.
_CHINESE_CLAUSE = 6


def _prepare(text: str) -> str:
    return _PHONE_OR_ID.sub(" ", _OWN_NUMBERS.sub(" ", normalize(text)))


# ---- scope ---------------------------------------------------------------------------------


def _live(text: str) -> str:
    """The clauses that may describe a danger happening now: not hypothetical, not habitual,
    and not past unless the clause itself says now ("去年遭了火灾，现在生活困难" is over)."""
    return " ".join(
        c
        for c in _CLAUSE_SPLIT.split(text)
        if c
        and not _has("hypothetical", c)
        and not _has("habitual", c)
        and not (_has("past", c) and not _has("now", c))
    )


def _emergency(text: str, kind_scores: Mapping[str, float]) -> tuple[str, str] | None:
    """(number, cue group) when the text describes an emergency happening now."""
    text = lex.EMERGENCY_FALSE_FRIENDS.sub(" ", text)
    now = _has("now", text)
    if _has("past", text) and not now:
        return None
    # A thank-you for a rescue is about an emergency that is over.
    if kind_scores.get("praise", 0.0) >= 5.0 or kl.opening_kind(text) == "praise":
        return None
    live = _live(text)
    aftermath = _has("aftermath", text) and not now

    gas_leak = _has("gas", text) and _has("gas_leak", live)
    if gas_leak and _has("reported", text) and not _any(lex.GAS_SEVERE, text):
        gas_leak = False  # already with the gas company: 12345 chases it (urgent, in scope)
    if gas_leak or _has("fire", live):
        return "119", "fire"
    injured = _has("injury", live) and not _has("no_injury", text)
    crash = _has("crash", live) or lex.OVERTURNED.search(live) is not None
    if crash and (injured or now) and not aftermath:
        return "122", "crash"
    if _has("crime", live) or lex.ARMED.search(live):
        return "110", "crime"
    for group in ("selfharm", "missing"):
        if _has(group, live):
            return "110", group
    if _has("fraud", text) and (now or "安全账户" in text) and not aftermath:
        return "110", "fraud"
    if _has("rescue", live):
        return "119", "rescue"
    medical = _has("medical", live) or lex.COLLAPSED.search(live) is not None
    if medical and not aftermath:
        return "120", "medical"
    return None


def _asks_private_data(text: str) -> bool:
    if lex.PRIVACY_PATTERN.search(text):
        return True
    return all(
        _any(words, text) for words in (lex.PRIVACY_PARTY, lex.PRIVACY_INFO, lex.PRIVACY_ASK)
    )


def _out_scores(text: str) -> dict[str, float]:
    """Evidence per 不予受理 reason; `_out_of_scope` needs OUT_OF_SCOPE_THRESHOLD of it."""
    scores = _OUT.score(text)
    if _asks_private_data(text):
        _add(scores, "privacy", lex.PRIVACY_WEIGHT)
    for pattern, reason, weight in lex.OUT_OF_SCOPE_PATTERNS:
        if pattern.search(text):
            _add(scores, reason, weight)
    if lex.OFFICIAL_GRAFT.search(text):
        _add(scores, "discipline", lex.OFFICIAL_GRAFT_WEIGHT)
    if "举报" in text:
        if lex.OFFICIAL.search(text):
            _add(scores, "discipline", lex.OFFICIAL_REPORT_WEIGHT)
        # Reporting gambling or surrogacy to the authorities is a legitimate 举报; only the
        # citizen's own improper request is refused.
        scores.pop("public_order", None)
    return scores


def _out_of_scope(text: str, prediction: Prediction | None, mix: Combination) -> tuple[str, float]:
    """(reason, confidence) when the request is outside 12345's 受理范围, else ("", 0)."""
    ranked = _best(_out_scores(text), _OUT_RANK)
    if ranked and ranked[0][1] >= lex.OUT_OF_SCOPE_THRESHOLD:
        return ranked[0][0], round(min(0.95, 0.4 + ranked[0][1] / 15), 2)
    # No rule fires, but the model has seen requests like this refused: the reason is the
    # rules' best guess if they have any, else the model's. An operator should confirm.
    if prediction and prediction.scope["out"] - prediction.scope["in"] >= mix.out_log_odds:
        return (ranked[0][0] if ranked else Prediction.best(prediction.reason)[0]), 0.5
    return "", 0.0


# ---- category ------------------------------------------------------------------------------

_MIN_CATEGORY_SCORE = 2.0
_MIN_CHARS_FOR_MODEL = 4  # past a greeting: "你好" or "在吗" is no matter to guess the category of


def _category_scores(text: str) -> dict[str, float]:
    scores = _CATEGORY.score(text)
    for phrase, companion, category, weight in lex.COMBOS:
        if phrase in text and companion in text:
            _add(scores, category, weight)
    for pattern, category, weight in lex.CATEGORY_PATTERNS:
        if pattern.search(text):
            _add(scores, category, weight)
    for match in lex.NOT_THIS.finditer(text):
        for category, weight in _CATEGORY.score(match.group(1)).items():
            _add(scores, category, -weight)
    return scores


def _pick_category(text: str, prediction: Prediction | None, mix: Combination) -> tuple[str, float]:
    ranked = _best(_category_scores(text), _CATEGORY_RANK)
    if not ranked or ranked[0][1] < _MIN_CATEGORY_SCORE:
        # No category phrase: the model's best guess if probable enough, to be confirmed (< 0.5).
        if prediction and len(kl.GREETING.sub("", text, count=1)) >= _MIN_CHARS_FOR_MODEL:
            category, probability = Prediction.best(prediction.category)
            if probability >= mix.category_min_prob:
                return category, 0.4
        return OTHER, 0.2
    # Thin evidence (a single weak phrase) lowers confidence even without competition.
    confidence = _margin(ranked) * min(1.0, ranked[0][1] / 6.0)
    return ranked[0][0], round(max(0.2, confidence), 2)


def classify_category(text: str) -> str:
    """The 事项分类 code of a request, ignoring scope (`other` when nothing matches)."""
    clean = _prepare(text)
    return _pick_category(clean, *_model(clean))[0]


# ---- kind ----------------------------------------------------------------------------------


def _cues(text: str) -> dict[str, float]:
    """Kind phrase and pattern weights of a stretch of text, without position or prior."""
    scores = _KIND.score(text)
    for pattern, weights in kl.KIND_PATTERNS:
        if pattern.search(text):
            for kind, weight in weights:
                _add(scores, kind, weight)
    return scores


def _kind_scores(text: str, prior: str | None, category: str | None) -> dict[str, float]:
    split = kl.closing_start(text)
    worries = [m.span() for m in _CLAUSE.finditer(text) if kl.HYPOTHETICAL.search(m.group())]
    scores: dict[str, float] = {}
    body: dict[str, float] = {}  # the weights found before the closing
    for pos, phrase in _KIND.find(text):
        worry = any(a <= pos < b for a, b in worries)
        for kind, weight in _KIND.weights(phrase):
            if worry and kind in kl.HYPOTHETICAL_KINDS and weight < kl.EXPLICIT_CUE_WEIGHT:
                continue  # "怕跑路": a worry, not a grievance
            if phrase in _THANKS and len(text) - pos - len(phrase) < kl.TRAILING_CHARS:
                continue  # "麻烦尽快处理，谢谢": politeness
            _add(scores, kind, weight)
            if pos < split:
                _add(body, kind, weight)
    for pattern, weights in kl.KIND_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        for kind, weight in weights:
            _add(scores, kind, weight)
            if match.start() < split:
                _add(body, kind, weight)
    # A closing question or polite ask after a grievance stays a grievance.
    grievance = max(("report", "complaint"), key=lambda k: body.get(k, 0.0))
    if split and body.get(grievance, 0.0) >= kl.GRIEVANCE:
        closing = text[split:]
        ask = _cues(closing)
        for kind in kl.CLOSING_KINDS:
            if kind == "suggestion" and _any(kl.EXPLICIT_SUGGESTION, closing):
                continue
            cut = max(0.0, ask.get(kind, 0.0)) * (1.0 - kl.CLOSING_DAMPING)
            _add(scores, kind, -cut)
            if kind == "suggestion":
                _add(scores, grievance, cut)
    if kl.CLOSING_PLEA.search(text, split):
        _add(scores, "help", kl.CLOSING_PLEA_WEIGHT)
    opening = kl.opening_kind(text)
    if opening is not None:
        _add(scores, opening, kl.OPENING_WEIGHT)
    if prior is not None:
        bonus = lex.DEFAULT_KIND_BONUS.get(category, 0.0) if category else 0.0
        _add(scores, prior, lex.DEFAULT_KIND_WEIGHT + bonus)
    return scores


def _pick_kind(
    text: str,
    category: str | None,
    prior: str | None,
    prediction: Prediction | None,
    mix: Combination,
) -> tuple[str, float]:
    """The kind and a confidence: the model's log posterior plus the weighted rule scores
    (the rules alone without a model). Confidence is the blend's softmax probability."""
    if prior is None and category is not None:
        prior = lex.DEFAULT_KIND.get(category, "consult")
        if category in kl.ENTERPRISE_PRIOR and kl.ENTERPRISE_ACTOR.search(text):
            prior = kl.ENTERPRISE_PRIOR[category]
    rules = _kind_scores(text, prior, category)
    if prediction is None:
        ranked = _best(rules, _KIND_RANK)
        return (ranked[0][0], round(_margin(ranked), 2)) if ranked else ("consult", 0.3)
    blend = {
        kind: log_p + mix.kind_rule_weight * max(0.0, rules.get(kind, 0.0))
        for kind, log_p in prediction.kind.items()
    }
    kind, top = min(blend.items(), key=lambda ks: (-ks[1], _KIND_RANK.get(ks[0], 0)))
    return kind, round(1.0 / sum(math.exp(s - top) for s in blend.values()), 2)


def classify_kind(text: str) -> str:
    """The 诉求类型 of a request: consult, help, complaint, report, suggestion or praise."""
    clean = _prepare(text)
    prediction, mix = _model(clean)
    return _pick_kind(clean, _pick_category(clean, prediction, mix)[0], None, prediction, mix)[0]


# ---- urgency and entry point ---------------------------------------------------------------


def _urgency(text: str, kind: str) -> str:
    if kind in ("consult", "suggestion", "praise"):
        return NORMAL
    score = sum(weight for pattern, weight in lex.URGENT_PATTERNS if pattern.search(text))
    return URGENT if score >= lex.URGENT_THRESHOLD else NORMAL


def _model(text: str) -> tuple[Prediction, Combination]:
    model = triage_model.model()
    return model.predict(text), model.combination


def triage(text: str) -> TriageResult:
    """Decide scope, kind, category and urgency of one request. Pure; well under 1 ms."""
    return _triage_prepared(_prepare(text))


# Channels retry and citizens repeat themselves: identical texts are common enough to cache.
@lru_cache(maxsize=4096)
def _triage_prepared(text: str) -> TriageResult:
    if is_english(text):
        found = _emergency(text, _KIND.score(text))
        english = triage_english(text, chinese_emergency=found[0] if found else None)
        if english.category != OTHER or chinese_characters(text) < _CHINESE_CLAUSE:
            return english
        # No English cue, but a Chinese clause may say what it is about ("bad smell, 楼下烧烤店
        # 油烟太大").
        chinese = decide(text, *_model(text))
        return chinese if chinese.category not in (None, OTHER) else english
    chinese = decide(text, *_model(text))
    if not chinese.is_emergency and has_english(text):
        # "楼下 fire!!" : a cry for help in English inside Chinese text is still one.
        return emergency_result(text) or chinese
    return chinese


def decide(text: str, prediction: Prediction | None, mix: Combination) -> TriageResult:
    """Triage of prepared `text` given the model's prediction (None: the rules alone).
    `bench/train_triage.py` calls it with out-of-fold predictions to choose `mix`."""
    emergency = _emergency(text, _KIND.score(text))
    if emergency is not None:
        number, group = emergency
        witness = group == "crime" and lex.VICTIM.search(text) is None
        kind = "report" if witness else "help"
        return TriageResult(f"emergency:{number}", kind, None, URGENT, 0.9)

    reason, confidence = _out_of_scope(text, prediction, mix)
    if reason:
        kind, _ = _pick_kind(text, None, lex.OUT_OF_SCOPE_KIND[reason], prediction, mix)
        return TriageResult(f"out:{reason}", kind, None, NORMAL, confidence)

    category, category_confidence = _pick_category(text, prediction, mix)
    kind, kind_confidence = _pick_kind(text, category, None, prediction, mix)
    confidence = round(min(category_confidence, 0.5 + kind_confidence / 2), 2)
    return TriageResult(IN_SCOPE, kind, category, _urgency(text, kind), confidence)
