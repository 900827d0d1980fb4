"""Survey answers on the phone: keypad digits, or words as speech recognition writes them."""

from __future__ import annotations

import pytest

from voice.answers import from_digits, from_speech


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
        ("按一，再按三", True, "dissatisfied"),  # the caller said the keys
        ("喂？你说什么", None, None),
    ],
)
def test_spoken_answers(heard: str, resolved: bool | None, satisfaction: str | None):
    answer = from_speech(heard)
    assert (answer.resolved, answer.satisfaction, answer.source) == (
        resolved,
        satisfaction,
        "speech",
    )


def test_keypad_answers():
    assert from_digits("12").to_dict() == {
        "resolved": True,
        "satisfaction": "basically_satisfied",
        "source": "dtmf",
    }
    assert (from_digits("2").resolved, from_digits("2").satisfaction) == (False, None)
    assert not from_digits("*#").understood
    assert from_digits("9").resolved is None
