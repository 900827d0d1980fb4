"""What a citizen reads for a kind, category or satisfaction-level code, in the language being
spoken (``intake.catalogue.speaking``).

The Chinese names live with the data that defines the codes (``intake.taxonomy``,
``intake.survey_answers``), since staff and reports read them too; another language translates
them in its catalogue under ``[kind]``, ``[category]`` and ``[level]``. A code the catalogue does
not translate falls back to its Chinese name rather than to nothing.
"""

from __future__ import annotations

from intake.catalogue import current_language, has_text, text
from intake.survey_answers import LEVEL_NAMES
from intake.taxonomy import CATEGORIES, KINDS


def _translated(section: str, code: str, chinese: str) -> str:
    key = f"{section}.{code}"
    language = current_language()
    return text(key, language) if has_text(key, language) else chinese


def kind_name(code: str | None) -> str:
    chinese = KINDS.get(code or "")
    return _translated("kind", code or "", chinese) if chinese else text("kind.unknown")


def category_name(code: str | None) -> str:
    category = CATEGORIES.get(code or "")
    if category is None:
        return text("kind.unknown")
    return _translated("category", category.code, category.name_zh)


def level_name(level: str) -> str:
    return _translated("level", level, LEVEL_NAMES[level])
