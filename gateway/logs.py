"""Structured JSON logs, one object a line, with the session id of the request on every line."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar

from kefu.pii import mask_all

# Set when a request touches a customer session; every log line below it carries the id.
session_id: ContextVar[str | None] = ContextVar("session_id", default=None)

_STANDARD = set(vars(logging.makeLogRecord({})))
# WebSocket clients pass their token in the query (browsers cannot set headers there); uvicorn logs the URL.
_TOKEN_IN_URL = re.compile(r"(?<=[?&]token=)[^&\s\"']+")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "session_id": session_id.get(),
            # Fields passed with extra={…}.
            **{key: value for key, value in vars(record).items() if key not in _STANDARD},
        }
        if record.exc_text or record.exc_info:
            line["error"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _masked(text: str) -> str:
    return _TOKEN_IN_URL.sub("***", mask_all(text))


class MaskPersonalData(logging.Filter):
    """Phone, ID-card and bank-card numbers, disclosed passwords and tokens in URLs never reach a
    log line, whichever library logged them: the message, extra string fields and tracebacks are masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = _masked(record.getMessage()), None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, _masked(value))
        if record.exc_info:
            record.exc_text = _masked(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(MaskPersonalData())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
