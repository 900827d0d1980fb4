"""Values of WeChat template and subscribe-message fields, cut to what WeChat accepts.

WeChat refuses a whole message (47003) when one value is longer than its field type allows, so
values are cut here rather than lost there. A cut ``thing`` (free text, e.g. a department's
reply) ends with "…" so the citizen sees there is more behind the link; codes and numbers are
cut plainly, since an ellipsis would only make them wrong in another way.
"""

from __future__ import annotations

import re

# Longest value per field type, in characters (WeChat's subscribe-message rules).
LIMITS = {
    "thing": 20,
    "phrase": 5,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "name": 10,
    "phone_number": 17,
    "car_number": 8,
}
_ELLIPSIS = "…"


def field_type(field: str) -> str:
    """``thing4`` → ``thing``: WeChat numbers the fields of one type within a template."""
    return field.rstrip("0123456789")


def fit(field: str, value: str) -> str:
    """``value`` as field ``field`` can hold it (on one line)."""
    kind = field_type(field)
    limit = LIMITS.get(kind)
    value = re.sub(r"\s+", " ", value).strip()
    if limit is None or len(value) <= limit:
        return value
    if kind == "thing":
        return value[: limit - 1] + _ELLIPSIS
    return value[:limit]
