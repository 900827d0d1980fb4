"""Finding and masking personal data in free Chinese text and in log records.

Covers mainland mobile numbers, resident ID numbers (18-digit with checksum, 15-digit old ones),
bank card numbers (Luhn-checked) and landlines written with an area code. Citizens type these in
every shape (spaces, dashes, +86, full-width digits from a Chinese IME), while ticket numbers, dates
and amounts sit right next to them, so every pattern needs a non-alphanumeric edge on both sides and
the long ones must also pass their checksum.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PiiKind(StrEnum):
    MOBILE = "mobile"
    ID_CARD = "id_card"
    BANK_CARD = "bank_card"
    LANDLINE = "landline"


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """One piece of personal data: ``text[start:end] == value`` in the searched text."""

    kind: PiiKind
    start: int
    end: int
    value: str


# Full-width digits and signs map one character to one, so offsets found in the translated text
# are valid in the original.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９＋－（）　ｘＸ", "0123456789+-()\u0020xX")

# A number glued to letters or digits is part of something else (FZ20261127000123, 闽A12345).
_BEFORE = r"(?<![0-9A-Za-z])"
_AFTER = r"(?![0-9A-Za-z])"
_MOBILE_BODY = r"(?:(?:\+|00)?86[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})"

_MOBILE = re.compile(rf"(?<![0-9A-Za-z+]){_MOBILE_BODY}{_AFTER}")
_MOBILE_EXACT = re.compile(_MOBILE_BODY)
_ID_18 = re.compile(
    rf"{_BEFORE}[1-8][0-9]{{5}}(?:18|19|20)[0-9]{{2}}[01][0-9][0-3][0-9][0-9]{{3}}[0-9Xx]{_AFTER}"
)
_ID_15 = re.compile(rf"{_BEFORE}[1-8][0-9]{{5}}[0-9]{{2}}[01][0-9][0-3][0-9][0-9]{{3}}{_AFTER}")
# 16–19 digits, optionally in groups of four; first digit 3–6 or 9 (card schemes and the old
# domestic 95xxx cards), which keeps dates and serials starting with 1, 2 or 0 out.
_BANK_CARD = re.compile(
    rf"{_BEFORE}[3-69][0-9]{{3}}(?:[ -]?[0-9]{{4}}){{3}}(?:[ -]?[0-9]{{1,3}})?{_AFTER}"
)
# Only with the area code separated (0591-87654321, (0591)87654321): a bare run of 11–12 digits
# starting with 0 is more often something else.
_LANDLINE = re.compile(
    rf"{_BEFORE}(?:\((0(?:10|2[0-9]|[3-9][0-9]{{2}}))\)[ -]?|(0(?:10|2[0-9]|[3-9][0-9]{{2}}))-)"
    rf"([2-9][0-9]{{6,7}}){_AFTER}"
)
# An ID number the citizen mistyped is still theirs: next to these words, mask it even with a
# wrong check digit.
_ID_CONTEXT = re.compile(r"(?:身份证|证件|身份号|公民号码)[^0-9]{0,6}$")
_ANY_DIGIT = re.compile(r"[0-9０-９]")
_DIGITS_ONLY = re.compile(r"[^0-9Xx]")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
# Province-level codes (the first two digits); 83 is Taiwan residents' residence permits.
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)


def normalize_mobile(s: str) -> str | None:
    """The 11-digit number if ``s`` is one mainland mobile (spaces, dashes, +86 allowed)."""
    m = _MOBILE_EXACT.fullmatch(s.strip().translate(_HALF_WIDTH))
    return "".join(m.groups()) if m else None


def is_mainland_mobile(s: str) -> bool:
    """Whether ``s`` is one mainland mobile number, as ``normalize_mobile`` accepts it."""
    return normalize_mobile(s) is not None


def mask_phone(phone: str) -> str:
    """``13800138000`` → ``138****8000``; any other number keeps its first 3 and last 4 digits."""
    digits = normalize_mobile(phone) or re.sub(r"[^0-9]", "", phone.translate(_HALF_WIDTH))
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def find_pii(text: str) -> list[PiiMatch]:
    """Every piece of personal data in ``text``, in order, without overlaps."""
    if not _ANY_DIGIT.search(text):
        return []
    plain = text.translate(_HALF_WIDTH)
    candidates: list[tuple[PiiKind, int, int]] = []
    # Order is priority: an 18-digit run that is a valid ID is not also taken for a bank card.
    for m in _ID_18.finditer(plain):
        if _valid_id_18(m.group()) or _ID_CONTEXT.search(plain, max(0, m.start() - 12), m.start()):
            candidates.append((PiiKind.ID_CARD, m.start(), m.end()))
    for m in _ID_15.finditer(plain):
        if _valid_birth_date("19" + m.group()[6:12]) and int(m.group()[:2]) in _PROVINCES:
            candidates.append((PiiKind.ID_CARD, m.start(), m.end()))
    for m in _BANK_CARD.finditer(plain):
        if _luhn_ok(_DIGITS_ONLY.sub("", m.group())):
            candidates.append((PiiKind.BANK_CARD, m.start(), m.end()))
    candidates += [(PiiKind.MOBILE, m.start(), m.end()) for m in _MOBILE.finditer(plain)]
    candidates += [(PiiKind.LANDLINE, m.start(), m.end()) for m in _LANDLINE.finditer(plain)]

    taken: list[PiiMatch] = []
    for kind, start, end in candidates:
        if all(end <= t.start or start >= t.end for t in taken):
            taken.append(PiiMatch(kind=kind, start=start, end=end, value=text[start:end]))
    return sorted(taken, key=lambda t: t.start)


def mask_text(text: str) -> str:
    """``text`` with every piece of personal data replaced by its masked form."""
    matches = find_pii(text)
    if not matches:
        return text
    parts: list[str] = []
    pos = 0
    for m in matches:
        parts += [text[pos : m.start], _mask(m)]
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts)


def _mask(m: PiiMatch) -> str:
    plain = m.value.translate(_HALF_WIDTH)
    digits = _DIGITS_ONLY.sub("", plain)
    if m.kind is PiiKind.MOBILE:
        return mask_phone(plain)
    if m.kind is PiiKind.ID_CARD:
        return digits[:6] + "*" * (len(digits) - 10) + digits[-4:].upper()
    if m.kind is PiiKind.BANK_CARD:
        # Fixed shape: the masked form does not even reveal the card's length.
        return f"{digits[:4]} **** **** {digits[-4:]}"
    landline = _LANDLINE.fullmatch(plain)
    assert landline is not None  # find_pii matched this very text with the same pattern
    area = landline.group(1) or landline.group(2)
    local = landline.group(3)
    return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"


def _valid_id_18(number: str) -> bool:
    if int(number[:2]) not in _PROVINCES or not _valid_birth_date(number[6:14]):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number, _ID_WEIGHTS, strict=False))
    return _ID_CHECK_CHARS[total % 11] == number[17].upper()


def _valid_birth_date(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


# Attributes every LogRecord has; anything else on a record came from ``extra=`` and may be PII.
_STANDARD_RECORD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime"}
)


class PiiMaskingFilter(logging.Filter):
    """Masks personal data in a record's message, arguments, ``extra`` strings and traceback.

    Attach it to handlers, not loggers: a logger's filters never see records propagated from its
    children. The message is formatted here (``args`` become empty), because masking the
    arguments alone misses numbers built into the format string and breaks ``%d`` on a masked int.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # A malformed log call must not crash its caller, nor let the handler's error report
            # print the raw arguments: keep them, masked, as plain text.
            message = f"{record.msg} (unformattable args: {record.args!r})"
        record.msg = mask_text(message)
        record.args = ()
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_RECORD_ATTRS and isinstance(value, str):
                setattr(record, key, mask_text(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
