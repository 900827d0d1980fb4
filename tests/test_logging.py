"""Logs carry the request id and never a raw phone or ID number."""

from __future__ import annotations

import json
import logging

import pytest

from hotline.logging import configure_logging, request_id_var, ticket_number_var
from intake.pii import PiiMaskingFilter


def test_json_logs_are_masked_and_carry_the_request(capsys: pytest.CaptureFixture[str]):
    configure_logging(fmt="json", level="INFO", filters=[PiiMaskingFilter()])
    token = request_id_var.set("req-42")
    ticket = ticket_number_var.set("FZ20261127000001")
    try:
        logging.getLogger("hotline.test").info(
            "citizen %s called about %s", "13800138000", "身份证350102199001011238"
        )
    finally:
        request_id_var.reset(token)
        ticket_number_var.reset(ticket)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["request_id"] == "req-42" and record["ticket_number"] == "FZ20261127000001"
    assert "13800138000" not in line and "138****8000" in record["message"]
    assert "350102199001011238" not in line


def test_console_logs_are_readable(capsys: pytest.CaptureFixture[str]):
    configure_logging(fmt="console", level="INFO", filters=[PiiMaskingFilter()])
    logging.getLogger("hotline.test").warning("电话 13912345678 打不通")
    err = capsys.readouterr().err
    assert "WARNING" in err and "139****5678" in err and "13912345678" not in err
