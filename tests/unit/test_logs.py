"""JSON log lines carry the session id of the request and the extra fields."""

from __future__ import annotations

import json
import logging
import sys

from gateway.logs import JsonFormatter, MaskPersonalData, session_id


def test_a_line_is_one_json_object_with_the_session_id() -> None:
    record = logging.makeLogRecord({"name": "gateway", "levelname": "INFO", "msg": "handoff %s", "args": ("ok",),
                                    "reason": "low_rating"})
    token = session_id.set("abc123")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        session_id.reset(token)
    assert line["message"] == "handoff ok" and line["session_id"] == "abc123" and line["reason"] == "low_rating"
    assert json.loads(JsonFormatter().format(record))["session_id"] is None


def test_personal_data_and_secrets_are_masked_in_every_part_of_a_line() -> None:
    try:
        raise ValueError("bad card 4111111111111111")
    except ValueError:
        record = logging.makeLogRecord({
            "name": "gateway", "levelname": "ERROR", "msg": "customer %s said %s",
            "args": ("13812345678", "我的支付密码是880011"), "id_card": "11010119900307123X",
            "exc_info": sys.exc_info(),
        })
    assert MaskPersonalData().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "customer 138****5678 said 我的支付密码是******"
    assert line["id_card"] == "110***********123X"
    assert "4111********1111" in line["error"] and "4111111111111111" not in line["error"]


def test_tokens_in_logged_urls_are_masked() -> None:
    record = logging.makeLogRecord({"msg": '"WebSocket /api/v1/sessions/abc/ws?token=s3cr3t-T0k" [accepted]'})
    MaskPersonalData().filter(record)
    assert record.getMessage() == '"WebSocket /api/v1/sessions/abc/ws?token=***" [accepted]'
