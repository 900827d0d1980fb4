"""The message catalogue: every sentence a citizen reads, kept in one editable file per language.

``text("dialogue.ask_phone")`` looks a key up; a missing key is a programming error and raises,
so a typo is caught by the tests instead of showing a citizen a key name.
"""

from __future__ import annotations

import contextvars
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_LANGUAGE = "zh-CN"
_DIR = Path(__file__).parent
# The language of the citizen being answered; set around one message by ``speaking``, so the
# dialogue code never passes it around. Chinese unless a channel knows better.
_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


def available_languages() -> list[str]:
    return sorted(path.stem for path in _DIR.glob("*.toml"))


def catalogue_language(code: str) -> str:
    """The catalogue for a client's language code ("zh-hans", "en-US", ...): Chinese for any
    Chinese variant and for languages we have no catalogue for, English for English."""
    lowered = (code or "").lower()
    if lowered.startswith("en") and "en" in available_languages():
        return "en"
    return DEFAULT_LANGUAGE


def current_language() -> str:
    return _current.get()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


@cache
def _load(language: str) -> dict[str, str]:
    with (_DIR / f"{language}.toml").open("rb") as handle:
        tree = tomllib.load(handle)
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(path, value)
            else:
                flat[path] = str(value)

    walk("", tree)
    return flat


def has_text(key: str, language: str = DEFAULT_LANGUAGE) -> bool:
    return key in _load(language)


def keys(language: str = DEFAULT_LANGUAGE) -> set[str]:
    return set(_load(language))


def text(key: str, language: str | None = None, **params: object) -> str:
    """The catalogue's sentence for ``key`` in the current language (Chinese when a key has no
    translation), with ``{placeholders}`` filled in."""
    language = language or _current.get()
    template = _load(language).get(key)
    if template is None and language != DEFAULT_LANGUAGE:
        template = _load(DEFAULT_LANGUAGE).get(key)
    if template is None:
        raise KeyError(f"message catalogue has no key {key!r}")
    return template.format(**params) if params else template
