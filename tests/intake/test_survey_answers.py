"""Survey answers as citizens really give them, negations included: typed in a chat, keyed on
the phone, or spoken and written down by speech recognition."""

from __future__ import annotations

import pytest

from intake.survey_answers import parse_answer, parse_keypad, parse_spoken


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


@pytest.mark.parametrize(
    ("heard", "resolved", "satisfaction"),
    [
        ("解决了，满意", True, "satisfied"),
        ("解决了，基本满意", True, "basically_satisfied"),
        ("没解决，不满意", False, "dissatisfied"),
        ("还没有解决，不太满意", False, "dissatisfied"),
        ("不是很满意", None, "dissatisfied"),
        ("已经解决了，非常满意", True, "very_satisfied"),
        ("没有不满意", None, "satisfied"),
        ("不慢意", None, "dissatisfied"),  # what ASR writes for 不满意
        ("按一，再按三", True, "dissatisfied"),  # the caller said the phone's keys
        ("1", True, None),  # a spoken key follows the phone's layout, not the chat's 1-5
        ("喂？你说什么", None, None),
    ],
)
def test_spoken_answers_on_the_phone(heard: str, resolved: bool | None, satisfaction: str | None):
    answer = parse_spoken(heard)
    assert (answer.resolved, answer.satisfaction) == (resolved, satisfaction)


def test_keypad_answers_follow_the_phone_prompt():
    assert (parse_keypad("12").resolved, parse_keypad("12").satisfaction) == (
        True,
        "basically_satisfied",
    )
    assert parse_keypad("13").unhappy and not parse_keypad("11").unhappy
    assert (parse_keypad("2").resolved, parse_keypad("2").satisfaction) == (False, None)
    assert not parse_keypad("*#").understood
    assert parse_keypad("9").resolved is None


@pytest.mark.parametrize(
    ("reply", "resolved", "satisfaction"),
    [
        ("It hasn't been fixed", False, None),
        ("The problem has not been resolved", False, None),
        ("Nothing was fixed", False, None),
        ("unsolved", False, None),
        ("Solved, thanks", True, "satisfied"),
        ("yes it is solved and I am very happy", True, "very_satisfied"),
        ("not very satisfied", None, "dissatisfied"),
        ("I am not really satisfied", None, "dissatisfied"),
        ("Not at all satisfied", None, "very_dissatisfied"),
        ("Very satisfied", None, "very_satisfied"),
        ("fairly satisfied", None, "basically_satisfied"),
        ("Dissatisfied!", None, "dissatisfied"),
        ("It was fixed but I am unhappy", True, "dissatisfied"),
    ],
)
def test_english_answers_read_their_negations(
    reply: str, resolved: bool | None, satisfaction: str | None
):
    answer = parse_answer(reply)
    assert (answer.resolved, answer.satisfaction) == (resolved, satisfaction)


def test_an_english_answer_keeps_what_it_says_beyond_the_answer():
    said = "fixed, but I am unhappy with the attitude of the workers"
    assert parse_answer(said).comment == said
    assert parse_answer("Very satisfied, thank you").comment == ""
    # Chinese words around an English key word are still a comment for staff.
    mixed = "解决了，但是路灯还是不亮，thanks"
    assert parse_answer(mixed).comment == mixed
