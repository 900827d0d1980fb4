"""The message catalogue: every sentence a citizen reads, kept in one editable file per language.

``text("dialogue.ask_phone")`` looks a key up; a missing key is a programming error and raises,
so a typo is caught by the tests instead of showing a citizen a key name.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_LANGUAGE = "zh-CN"
_DIR = Path(__file__).parent


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


def text(key: str, language: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The catalogue's sentence for ``key``, with ``{placeholders}`` filled in."""
    template = _load(language).get(key)
    if template is None and language != DEFAULT_LANGUAGE:
        template = _load(DEFAULT_LANGUAGE).get(key)
    if template is None:
        raise KeyError(f"message catalogue has no key {key!r}")
    return template.format(**params) if params else template
