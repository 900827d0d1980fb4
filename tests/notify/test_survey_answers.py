"""Survey replies as citizens really type them, negations included."""

from __future__ import annotations

import pytest

from notify.survey_answers import parse_answer


@pytest.mark.parametrize(
    ("reply", "satisfaction"),
    [
        ("1", "very_satisfied"),
        ("５", "very_dissatisfied"),
        ("3", "basically_satisfied"),
        ("满意", "satisfied"),
        ("非常满意！", "very_satisfied"),
        ("很满意，谢谢你们", "very_satisfied"),
        ("还行吧", "basically_satisfied"),
        ("基本满意", "basically_satisfied"),
        ("不满意", "dissatisfied"),
        ("不太满意", "dissatisfied"),
        ("不是很满意", "dissatisfied"),
        ("非常不满意", "very_dissatisfied"),
        ("太差了", "very_dissatisfied"),
        ("没有不满意", "satisfied"),
        ("一般般", "basically_satisfied"),
        ("态度挺好，但是不满意", "dissatisfied"),
    ],
)
def test_satisfaction_levels_with_negation(reply: str, satisfaction: str):
    assert parse_answer(reply).satisfaction == satisfaction


@pytest.mark.parametrize(
    ("reply", "resolved"),
    [
        ("解决了", True),
        ("已经修好了，谢谢", True),
        ("问题没解决", False),
        ("还没人来处理", False),
        ("路灯还是老样子", False),
        ("没有解决", False),
    ],
)
def test_was_it_solved(reply: str, resolved: bool):
    assert parse_answer(reply).resolved is resolved


def test_yes_no_only_when_that_was_the_question():
    assert parse_answer("是", expecting="resolved").resolved is True
    assert parse_answer("否", expecting="resolved").resolved is False
    assert not parse_answer("是").understood


def test_one_reply_answers_both_and_keeps_the_comment():
    answer = parse_answer("不满意，问题没解决，路灯还是不亮")
    assert answer.resolved is False and answer.satisfaction == "dissatisfied"
    assert answer.unhappy and "路灯还是不亮" in answer.comment


def test_unreadable_reply_is_not_understood():
    for reply in ("你们看着办", "？？", "明天再说"):
        assert not parse_answer(reply).understood, reply
