"""The English catalogue translates every sentence of the Chinese one, placeholders intact."""

from __future__ import annotations

import string

import pytest

from intake.catalogue import catalogue_language, keys, speaking, text
from intake.display_names import category_name, kind_name, level_name
from intake.survey_answers import LEVELS
from intake.taxonomy import CATEGORIES, KINDS


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# Names whose Chinese lives with the data that defines the codes (intake/display_names.py).
TRANSLATED_NAMES = (
    {f"kind.{code}" for code in KINDS}
    | {f"category.{code}" for code in CATEGORIES}
    | {f"level.{level}" for level in LEVELS}
)


def test_english_has_exactly_the_keys_of_chinese():
    chinese, english = keys("zh-CN"), keys("en")
    assert not chinese - english, f"untranslated: {sorted(chinese - english)}"
    extra = english - chinese - TRANSLATED_NAMES
    assert not extra, f"not in zh-CN.toml: {sorted(extra)}"


def test_every_kind_category_and_level_has_an_english_name():
    assert not TRANSLATED_NAMES - keys("en"), sorted(TRANSLATED_NAMES - keys("en"))
    with speaking("en"):
        assert kind_name("complaint") == "Complaint"
        assert category_name("env.noise") == "Noise"
        assert level_name("basically_satisfied") == "Fairly satisfied"
        assert category_name(None) == kind_name("unknown-kind") == "to be determined"
    assert (kind_name("complaint"), category_name("env.noise")) == ("投诉", "噪声")


@pytest.mark.parametrize("key", sorted(keys("zh-CN")))
def test_every_key_has_the_same_placeholders_in_english(key: str):
    if key not in keys("en"):
        pytest.skip("reported by test_english_has_exactly_the_keys_of_chinese")
    assert placeholders(text(key, "en")) == placeholders(text(key, "zh-CN")), key


def test_english_sentences_read_as_english():
    # A key copied over untranslated would still pass the checks above; the English catalogue
    # names English command words, so no Chinese is left in it at all.
    untranslated = [
        key for key in keys("en") if any("\u4e00" <= ch <= "\u9fff" for ch in text(key, "en"))
    ]
    assert not untranslated


def test_clients_pick_their_catalogue_by_language_code():
    assert catalogue_language("en") == catalogue_language("en-GB") == "en"
    assert catalogue_language("zh-hans") == catalogue_language("") == "zh-CN"
    assert catalogue_language("ru") == "zh-CN"  # no Russian catalogue: Chinese, the default
    with speaking("en"):
        assert text("dialogue.button_confirm") == "Submit"
    assert text("dialogue.button_confirm") == "确认提交"
