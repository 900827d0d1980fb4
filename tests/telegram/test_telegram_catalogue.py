"""The English catalogue translates every sentence of the Chinese one, placeholders intact."""

from __future__ import annotations

import string

import pytest

from intake.catalogue import catalogue_language, keys, speaking, text


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_english_has_exactly_the_keys_of_chinese():
    chinese, english = keys("zh-CN"), keys("en")
    assert not chinese - english, f"untranslated: {sorted(chinese - english)}"
    assert not english - chinese, f"not in zh-CN.toml: {sorted(english - chinese)}"


@pytest.mark.parametrize("key", sorted(keys("zh-CN")))
def test_every_key_has_the_same_placeholders_in_english(key: str):
    if key not in keys("en"):
        pytest.skip("reported by test_english_has_exactly_the_keys_of_chinese")
    assert placeholders(text(key, "en")) == placeholders(text(key, "zh-CN")), key


def test_english_sentences_read_as_english():
    # A key copied over untranslated would still pass the checks above.
    untranslated = [
        key for key in keys("en") if any("\u4e00" <= ch <= "\u9fff" for ch in text(key, "en"))
    ]
    # Chinese words left on purpose: the commands the dialogue understands, quoted with their
    # English meaning, and names that are Chinese by nature.
    allowed = (
        "查询",
        "确认",
        "取消",
        "地点",
        "我的工单",
        "人工",
        "帮助",
        "是",
        "否",
        "无",
        "解决了",
        "没解决",
    )
    for key in untranslated:
        stripped = text(key, "en")
        for word in allowed:
            stripped = stripped.replace(word, "")
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in stripped), key


def test_clients_pick_their_catalogue_by_language_code():
    assert catalogue_language("en") == catalogue_language("en-GB") == "en"
    assert catalogue_language("zh-hans") == catalogue_language("") == "zh-CN"
    assert catalogue_language("ru") == "zh-CN"  # no Russian catalogue: Chinese, the default
    with speaking("en"):
        assert text("dialogue.button_confirm") == "Submit"
    assert text("dialogue.button_confirm") == "确认提交"
