"""Triage as a citizen would notice it: the right emergency number, the right refusal, the right
department, and accuracy on the shared corpus and on the held-out set written for this purpose."""

from __future__ import annotations

import importlib.util
import json
import math
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from intake import triage_lexicon as lex
from intake.taxonomy import (
    CATEGORIES,
    EMERGENCY_NUMBERS,
    KINDS,
    OUT_OF_SCOPE_REASONS,
    parent_of,
)
from intake.triage import TriageResult, _prepare, classify_category, classify_kind, decide, triage
from intake.triage_model import MODEL_PATH, features, model, predict

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared/corpus/requests.jsonl"
DATA = Path(__file__).parent / "data"
HELDOUT = DATA / "triage_heldout.jsonl"

# The corpus is the development set and triage scores 100% on it: a drop is a regression.
CORPUS_FLOOR = {"scope": 0.98, "kind": 0.95, "category": 0.97}
# The held-out set was written apart from the lexicons (see the report in bench/triage.py);
# these are the project's goals, with category held a little higher than the goal.
HELDOUT_FLOOR = {"scope": 0.95, "kind": 0.85, "category": 0.90}
# Blind sets written before the lexicons were read (history in bench/triage.py): E was then tuned
# on, F scored once. Floors are the measured figures less about 3 points, so that a regression
# fails. E and F (and the held-out file) are now also training data of the learned model
# (bench/train_triage.py): their figures rose to training-set figures that say nothing about
# unseen text, so their floors stay where the rules alone put them (comments: the rules alone).
# G was written before the model was trained, never trained or tuned on, and scored once; its
# comment gives the rules alone and the rules with the model, after the one disclosed bug fix.
BLIND_FLOOR = {
    "triage_blind_e.jsonl": {"scope": 0.97, "kind": 0.93, "category": 0.95},  # 100 / 96.6 / 98.0
    "triage_blind_f.jsonl": {"scope": 0.91, "kind": 0.70, "category": 0.85},  # 94.7 / 73.4 / 88.8
    # 93.1 / 78.9 / 87.8 alone, 94.8 / 89.2 / 88.8 with the model
    "triage_blind_g.jsonl": {"scope": 0.91, "kind": 0.86, "category": 0.85},
}


def _load(path: Path) -> list[dict[str, str | None]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _accuracy(rows: list[dict[str, str | None]]) -> dict[str, float]:
    hits = {"scope": 0, "kind": 0, "category": 0}
    in_scope = 0
    for row in rows:
        got = triage(str(row["text"]))
        hits["scope"] += got.scope == row["scope"]
        hits["kind"] += got.kind == row["kind"]
        if row["scope"] == "in":
            in_scope += 1
            hits["category"] += got.category == row["category"]
    return {
        "scope": hits["scope"] / len(rows),
        "kind": hits["kind"] / len(rows),
        "category": hits["category"] / in_scope,
    }


# ---- emergencies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("救命！隔壁厨房起火了，火从窗户冒出来了", "119"),
        ("我家燃气管子漏气了，一屋子的煤气味，我妈已经头晕了", "119"),
        ("商场门口有个大叔突然倒地，口吐白沫，叫不醒", "120"),
        ("我爸刚刚喘不上气，嘴唇发紫", "120"),
        ("路口两辆车刚撞上，有个骑车的人受伤躺在地上", "122"),
        ("有人正在抢劫金店，拿着刀！", "110"),
        ("楼下两伙人正在打架，有人拿着棍子", "110"),
        ("电梯卡在十楼，我们三个人被困在里面", "119"),
    ],
)
def test_emergency_gets_the_right_number(text: str, number: str) -> None:
    result = triage(text)
    assert result.scope == f"emergency:{number}"
    assert result.is_emergency
    assert result.emergency_number == number
    assert result.category is None
    assert result.urgency == "urgent"


def test_bystander_reporting_violence_is_a_report_victim_asks_for_help() -> None:
    assert triage("街上有人拿刀砍人，快来！").kind == "report"
    assert triage("我老公喝醉了正在打我，我躲在房间里").kind == "help"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # The danger is over, hypothetical or habitual: a 12345 matter, not a 119/122 call.
        ("上个月楼下着火，烧黑的外墙到现在还没人处理", None),
        ("楼道里堆满纸箱，还有人飞线充电，火灾隐患很大", "safety.hazard"),
        ("对面厂房的烟囱天天冒黑烟，呛得很", "env.air"),
        ("家里燃气灶打不着火，麻烦燃气公司来修一下", "utility.gas"),
        ("楼道里有燃气味，已经打了燃气公司的电话，说下午才来，能催一下吗", "utility.gas"),
        ("上周停车的时候被人刮了一下，没人受伤，对方保险公司一直拖着不赔", "police.traffic"),
        ("家里去年遭了火灾，现在生活困难，能申请临时救助吗", "civil.assistance"),
        ("感谢消防员昨晚把我们从火场里救出来", None),
    ],
)
def test_not_an_emergency(text: str, category: str | None) -> None:
    result = triage(text)
    assert result.scope == "in"
    if category is not None:
        assert result.category == category


def test_gas_smell_already_reported_is_urgent() -> None:
    result = triage("楼道里一股煤气味，燃气公司说晚上才能来，能不能让他们快点")
    assert (result.scope, result.category, result.urgency) == ("in", "utility.gas", "urgent")


# ---- out of scope ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("我已经向法院起诉了前公司，案子一直没判，你们帮我催催法院", "litigation"),
        ("我的劳动争议已经在劳动仲裁了，仲裁委一直不开庭", "arbitration"),
        ("举报我们镇的镇长收受贿赂，给亲戚批地", "discipline"),
        ("我对区城管局的处罚决定不服，想申请行政复议", "reconsideration"),
        ("我想申请公开区政府关于旧改的红头文件", "info_disclosure"),
        ("这件事我已经在信访局上访过了，现在还在办", "petition"),
        ("帮我查一下部队营区的位置，我想进去看看，那里是军事管理区", "secrets"),
        ("帮我查一下对门邻居的手机号码和工作单位", "privacy"),
        ("帮我开一张假的住院证明，我要请假", "public_order"),
    ],
)
def test_out_of_scope_reason(text: str, reason: str) -> None:
    result = triage(text)
    assert result.scope == f"out:{reason}"
    assert result.is_out_of_scope
    assert result.out_reason == reason
    assert result.category is None
    assert reason in OUT_OF_SCOPE_REASONS


def test_reporting_gambling_is_in_scope() -> None:
    # A 举报 of illegal activity is accepted; only the citizen's own improper request is refused.
    result = triage("举报小区里有人聚众赌博，每天晚上都有")
    assert (result.scope, result.kind, result.category) == ("in", "report", "police.public_order")


def test_own_phone_and_id_number_are_not_a_privacy_request() -> None:
    result = triage("我手机号13912345678，身份证350102199001011234，我的医保卡刷不了")
    assert (result.scope, result.category) == ("in", "medical.insurance")


# ---- category and kind -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "kind"),
    [
        ("鼓楼区湖东路的井盖丢了，晚上很危险", "urban.road", "help"),
        ("福州南二环边上的小区晚上大货车噪音太大，根本睡不着", "env.noise", "complaint"),
        ("小区门口的水果摊占道经营，城管也不管", "urban.vendor", "complaint"),
        ("有没有人管管？培训机构收了钱就关门了", "education", "complaint"),
        ("请问被拖欠工资可以去哪里投诉？", "hr.wage", "consult"),
        ("希望在我们社区多设几个公交站点", "transport.transit", "suggestion"),
        ("表扬一下晋安区不动产登记中心的窗口，半天就办好了", "gov.service", "praise"),
        ("网约车司机故意绕路，多收了四十块", "transport.taxi", "complaint"),
        ("举报一个小作坊在家里做豆腐，没有任何证照", "market.food_drug", "report"),
        ("公积金提取申请了半个月还没到账", "housing.fund", "help"),
        ("麻烦尽快修一下路灯，谢谢", "urban.streetlight", "help"),
    ],
)
def test_category_and_kind(text: str, category: str, kind: str) -> None:
    result = triage(text)
    assert (result.scope, result.category, result.kind) == ("in", category, kind)
    assert classify_category(text) == category
    assert classify_kind(text) == kind


def test_urgency() -> None:
    assert triage("湖东路人行道上的井盖不见了，有人差点掉下去").urgency == "urgent"
    assert triage("大冷天的整栋楼停水两天了，老人没法做饭").urgency == "urgent"
    assert triage("请问井盖坏了找哪个部门？").urgency == "normal"
    assert triage("小区门口的路灯坏了").urgency == "normal"


def test_result_properties_for_an_in_scope_request() -> None:
    result = triage("路灯不亮")
    assert isinstance(result, TriageResult)
    assert not result.is_emergency and not result.is_out_of_scope
    assert result.emergency_number is None and result.out_reason is None
    assert 0.0 <= result.confidence <= 1.0
    assert result.kind in KINDS


def test_unknown_matter_goes_to_an_operator() -> None:
    result = triage("你好")
    assert (result.scope, result.category) == ("in", "other")
    assert result.confidence < 0.5


# ---- accuracy ----------------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not checked out next to the repo")
def test_corpus_accuracy() -> None:
    accuracy = _accuracy(_load(CORPUS))
    for field, floor in CORPUS_FLOOR.items():
        assert accuracy[field] >= floor, (field, accuracy)


def test_heldout_accuracy() -> None:
    rows = _load(HELDOUT)
    assert len(rows) >= 150
    accuracy = _accuracy(rows)
    for field, floor in HELDOUT_FLOOR.items():
        assert accuracy[field] >= floor, (field, accuracy)


@pytest.mark.parametrize(("name", "floor"), sorted(BLIND_FLOOR.items()))
def test_blind_set_accuracy(name: str, floor: dict[str, float]) -> None:
    rows = _load(DATA / name)
    assert len(rows) >= 150
    accuracy = _accuracy(rows)
    for field, minimum in floor.items():
        assert accuracy[field] >= minimum, (field, accuracy)


@pytest.mark.parametrize("name", ["triage_heldout.jsonl", *sorted(BLIND_FLOOR)])
def test_labelled_set_covers_every_category_kind_number_and_reason(name: str) -> None:
    rows = _load(DATA / name)
    assert {r["category"] for r in rows if r["scope"] == "in"} == set(CATEGORIES)
    assert {r["kind"] for r in rows} == set(KINDS)
    assert {f"emergency:{n}" for n in EMERGENCY_NUMBERS} <= {r["scope"] for r in rows}
    assert {f"out:{r}" for r in OUT_OF_SCOPE_REASONS} <= {r["scope"] for r in rows}


def test_category_is_none_unless_in_scope() -> None:
    rows = _load(HELDOUT) + (_load(CORPUS) if CORPUS.exists() else [])
    rows += [row for name in BLIND_FLOOR for row in _load(DATA / name)]
    for row in rows:
        result = triage(str(row["text"]))
        assert (result.category is None) == (result.scope != "in"), row["text"]


# ---- taxonomy ----------------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not checked out next to the repo")
def test_every_corpus_category_exists() -> None:
    codes = {row["category"] for row in _load(CORPUS) if row["category"] is not None}
    assert codes <= set(CATEGORIES)
    assert {row["kind"] for row in _load(CORPUS)} <= set(KINDS)


def test_taxonomy_tables_agree() -> None:
    assert set(KINDS) == {"consult", "help", "complaint", "report", "suggestion", "praise"}
    assert set(EMERGENCY_NUMBERS) == {"110", "119", "120", "122"}
    assert len(OUT_OF_SCOPE_REASONS) == 9
    assert set(lex.CATEGORY_TABLES) <= set(CATEGORIES)
    assert set(lex.DEFAULT_KIND) == set(CATEGORIES)
    assert sorted(lex.CATEGORY_PRIORITY) == sorted(CATEGORIES)
    assert set(lex.OUT_OF_SCOPE_KIND) == set(OUT_OF_SCOPE_REASONS)
    assert set(lex.OUT_OF_SCOPE_TABLES) <= set(OUT_OF_SCOPE_REASONS)
    assert all(c.code == code for code, c in CATEGORIES.items())


def test_finer_codes_fall_back_to_their_parent() -> None:
    assert parent_of("urban.road.manhole") == "urban.road"
    assert parent_of("education") == "education"
    assert parent_of("nonsense.code") is None


# ---- learned model -----------------------------------------------------------------------------


def test_model_file_is_small_and_never_trained_on_blind_g() -> None:
    assert MODEL_PATH.stat().st_size < 1_500_000
    spec = importlib.util.spec_from_file_location("train_triage", REPO / "bench/train_triage.py")
    assert spec is not None and spec.loader is not None
    trainer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(trainer)
    assert all("blind_g" not in str(path) for _, path in trainer.TRAINING)


def test_model_gives_a_distribution_per_head() -> None:
    prediction = predict(_prepare("楼下烧烤店的油烟太大了，熏得窗户都不敢开"))
    for head in (prediction.kind, prediction.scope, prediction.reason, prediction.category):
        assert sum(math.exp(p) for p in head.values()) == pytest.approx(1.0)
    assert set(prediction.kind) == set(KINDS)
    assert set(prediction.category) == set(CATEGORIES)
    assert set(prediction.scope) == {"in", "emergency", "out"}
    assert set(prediction.reason) == set(OUT_OF_SCOPE_REASONS)
    assert features("a1,b") == {"a", "<a", "a0", "0>", "<a0", "a0>", "0", "b", "<b", "b>", "<b>"}


def test_rules_alone_and_with_the_model_agree_on_clear_cases() -> None:
    mix = model().combination
    for text, expected in [
        ("请问公积金提取需要什么材料？", ("in", "consult", "housing.fund")),
        ("建议在我们小区门口增设一个公交站", ("in", "suggestion", "transport.transit")),
        ("路口两辆车刚撞上，有个骑车的人受伤躺在地上", ("emergency:122", "help", None)),
    ]:
        for prediction in (None, predict(_prepare(text))):
            got = decide(_prepare(text), prediction, mix)
            assert (got.scope, got.kind, got.category) == expected, (text, prediction)


def test_the_model_may_refuse_but_never_declares_an_emergency() -> None:
    text = _prepare("楼道里堆满了纸箱，消防通道都堵住了")
    real = predict(text)

    def sure_of(group: str) -> SimpleNamespace:
        scope = {g: math.log(0.98 if g == group else 0.01) for g in ("in", "emergency", "out")}
        reason = {r: math.log(0.9 if r == "petition" else 0.0125) for r in OUT_OF_SCOPE_REASONS}
        return SimpleNamespace(kind=real.kind, scope=scope, reason=reason, category=real.category)

    mix = model().combination
    assert decide(text, sure_of("emergency"), mix).scope == "in"  # type: ignore[arg-type]
    assert decide(text, sure_of("out"), mix).scope == "out:petition"  # type: ignore[arg-type]
    assert decide(text, sure_of("in"), mix).scope == "in"  # type: ignore[arg-type]


# ---- speed -------------------------------------------------------------------------------------


def test_triage_is_deterministic_and_fast() -> None:
    from intake.triage import _triage_prepared

    texts = [str(r["text"]) for r in _load(HELDOUT)]
    assert [triage(t) for t in texts] == [triage(t) for t in texts]
    _triage_prepared.cache_clear()
    started = time.perf_counter()
    for text in texts:
        triage(text)
    per_request = (time.perf_counter() - started) / len(texts)
    assert per_request < 0.001, per_request
