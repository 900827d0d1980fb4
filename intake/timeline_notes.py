"""Timeline notes: kept in Chinese, the record's language, and read in the reader's.

A note is written when a ticket changes, by whoever changes it (a citizen on an English client,
staff, a worker), so it is always written in the catalogue's default language: staff and the
archive read one language. A reader in another language gets the same sentence from their own
catalogue when the note is one of the catalogue's ``[timeline]`` sentences; the values filled in
(a department's name, a date) stay as written. Free text that is no catalogue sentence is shown
as it was written.
"""

from __future__ import annotations

import re
import string
from functools import cache

from intake.catalogue import DEFAULT_LANGUAGE, current_language, keys, text

_SECTION = "timeline."


def timeline_note(name: str, **params: object) -> str:
    """The note to store for the ``[timeline]`` sentence ``name``."""
    return text(_SECTION + name, DEFAULT_LANGUAGE, **params)


def _pattern(key: str) -> re.Pattern[str]:
    """The default catalogue's sentence ``key`` as a pattern capturing its values."""
    pattern = ""
    for literal, field, _, _ in string.Formatter().parse(text(key, DEFAULT_LANGUAGE)):
        pattern += re.escape(literal)
        if field is not None:
            pattern += f"(?P<{field}>.+?)"
    return re.compile(pattern)


@cache
def _sentences() -> tuple[tuple[str, re.Pattern[str]], ...]:
    found = [(key, _pattern(key)) for key in keys(DEFAULT_LANGUAGE) if key.startswith(_SECTION)]
    # Longest first, so a sentence that contains another wins.
    found.sort(key=lambda pair: -len(pair[1].pattern))
    return tuple(found)


_DATE = "misc.due_format"


@cache
def _date() -> re.Pattern[str]:
    return _pattern(_DATE)


def _value(field: str, value: str, language: str) -> str:
    # Dates are written in the default language's format; the reader's catalogue has its own.
    date = _date().fullmatch(value) if field == "due" else None
    return text(_DATE, language, **date.groupdict()) if date else value


def for_reader(note: str, language: str | None = None) -> str:
    """``note`` in ``language`` (the language being spoken when None)."""
    language = language or current_language()
    if language == DEFAULT_LANGUAGE:
        return note
    for key, pattern in _sentences():
        match = pattern.fullmatch(note)
        if match:
            values = {
                field: _value(field, value, language) for field, value in match.groupdict().items()
            }
            return text(key, language, **values)
    return note
