"""JSON log lines carry the session id of the request and the extra fields."""

from __future__ import annotations

import json
import logging

from gateway.logs import JsonFormatter, session_id


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
