"""Personal data in citizens' free text and in logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from intake.pii import (
    PiiKind,
    PiiMaskingFilter,
    find_pii,
    is_mainland_mobile,
    mask_phone,
    mask_text,
    normalize_mobile,
)

VALID_ID = "350102199001011238"  # check digit 8 is right for these 17 digits
VALID_ID_X = "11010519491231002X"  # the GB 11643 example, check character X
CARD_16 = "6228480012345671"  # Luhn-valid
CARD_19 = "6222021234567890128"  # Luhn-valid


@pytest.mark.parametrize(
    "written",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "86-13800138000",
        "0086 13800138000",
        " 13800138000 ",
        "１３８００１３８０００",  # full-width digits from a Chinese IME
    ],
)
def test_normalize_mobile_accepts_usual_spellings(written: str) -> None:
    assert normalize_mobile(written) == "13800138000"
    assert is_mainland_mobile(written)


@pytest.mark.parametrize(
    "written",
    ["12345", "12800138000", "1380013800", "138001380001", "0591-87654321", "13800138000a", ""],
)
def test_normalize_mobile_rejects_other_numbers(written: str) -> None:
    assert normalize_mobile(written) is None
    assert not is_mainland_mobile(written)


def test_mask_phone() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("+86 138-0013-8000") == "138****8000"
    assert mask_phone("0591-87654321") == "059*****4321"
    assert mask_phone("12345") == "*****"


def test_phones_in_a_sentence() -> None:
    text = "我的电话是13800138000，或者打138 0013 8000、+86-139-0013-9000找我爱人。"
    assert mask_text(text) == "我的电话是138****8000，或者打138****8000、139****9000找我爱人。"
    matches = find_pii(text)
    assert [m.kind for m in matches] == [PiiKind.MOBILE] * 3
    assert all(text[m.start : m.end] == m.value for m in matches)
    assert matches[2].value == "+86-139-0013-9000"


def test_valid_id_numbers_are_masked() -> None:
    assert mask_text(f"身份证{VALID_ID}") == "身份证350102********1238"
    assert mask_text(f"证件号 {VALID_ID_X.lower()}。") == "证件号 110105********002X。"
    assert mask_text("老身份证350102900101123") == "老身份证350102*****1123"
    assert [m.kind for m in find_pii(f"号码{VALID_ID}")] == [PiiKind.ID_CARD]


def test_id_with_wrong_check_digit_is_masked_only_next_to_id_words() -> None:
    mistyped = "350102199001011234"  # the corpus example: check digit should be 8
    assert mask_text(f"我的电话是13800138000，身份证{mistyped}，社保查询不到缴费记录") == (
        "我的电话是138****8000，身份证350102********1234，社保查询不到缴费记录"
    )
    wrong_check = "350102199001011235"  # neither a valid ID nor Luhn-valid
    assert mask_text(f"身份证号：{wrong_check}") == "身份证号：350102********1235"
    assert mask_text(f"订单号{wrong_check}") == f"订单号{wrong_check}"


def test_bank_cards_must_pass_luhn() -> None:
    assert mask_text(f"工资卡{CARD_16}没到账") == "工资卡6228 **** **** 5671没到账"
    assert mask_text("卡号6222 0212 3456 7890 128") == "卡号6222 **** **** 0128"
    assert mask_text(f"卡号{CARD_19}") == "卡号6222 **** **** 0128"
    not_luhn = CARD_16[:-1] + "2"
    assert mask_text(f"卡号{not_luhn}") == f"卡号{not_luhn}"
    assert [m.kind for m in find_pii(CARD_19)] == [PiiKind.BANK_CARD]


def test_landlines() -> None:
    assert mask_text("办公室0591-87654321转分机") == "办公室0591-****4321转分机"
    assert mask_text("（0591）87654321") == "0591-****4321"
    assert mask_text("北京010-12345678") == "北京010-12345678"  # local numbers never start with 1
    assert mask_text("北京010-62345678") == "北京010-****5678"


@pytest.mark.parametrize(
    "text",
    [
        "工单号FZ20261127000123办理进度如何",
        "2026年11月27日，20261127那天",
        "多收了我3000元，退了1380元",
        "打12345没人接，转95598，400-820-8820",
        "车牌闽A12345，房号1380室",
        "2026-11-27 12:30:00",
        "订单编号20261127123456789012",
        "用户ID a13800138000b",
        "没有数字的文本",
        "",
    ],
)
def test_not_personal_data(text: str) -> None:
    assert find_pii(text) == []
    assert mask_text(text) == text


def test_masking_is_idempotent() -> None:
    once = mask_text(f"电话13800138000 身份证{VALID_ID} 卡{CARD_16} 座机0591-87654321")
    assert mask_text(once) == once
    assert find_pii(once) == []


@pytest.fixture
def pii_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PiiMaskingFilter())
    handler.setFormatter(logging.Formatter("%(message)s|%(caller)s"))
    logger = logging.getLogger("tests.intake.pii")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_log_filter_masks_message_args_and_extra(
    pii_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = pii_log
    logger.info(
        "citizen %s id %d said: 我的电话13800138000",
        "139-0013-9000",
        int(VALID_ID),
        extra={"caller": "+8613700137000"},
    )
    line = stream.getvalue()
    assert line == (
        "citizen 139****9000 id 350102********1238 said: 我的电话138****8000|137****7000\n"
    )


def test_log_filter_masks_tracebacks(pii_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = pii_log
    try:
        raise ValueError("unknown phone 13800138000")
    except ValueError:
        logger.exception("lookup failed", extra={"caller": "-"})
    output = stream.getvalue()
    assert "ValueError: unknown phone 138****8000" in output
    assert "13800138000" not in output


def test_log_filter_survives_a_malformed_call(pii_log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = pii_log
    logger.info("phone %d", "13800138000", extra={"caller": "-"})
    output = stream.getvalue()
    assert "138****8000" in output
    assert "13800138000" not in output
