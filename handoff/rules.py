"""The service-standard rules a work order is filled with: urgency, SLA, key facts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from kefu.pii import PHONE, mask_phone
from kefu.settings import Settings
from kefu.text import normalize
from understanding.rules import escalation_threat

ORDER_ID = re.compile(r"DD\d{12}", re.IGNORECASE)
AMOUNT = re.compile(r"(?:¥|￥)?\d+(?:\.\d{1,2})?\s*(?:元|块)")
URGENCY_ORDER = ("normal", "urgent", "critical")


def classify_urgency(texts: Iterable[str], settings: Settings) -> str:
    """特急 for legal threats, media, 12315 (the escalation rule), safety; 紧急 for refunds, complaints, faults."""
    joined = normalize("\n".join(texts))
    if escalation_threat(joined, settings) or any(keyword in joined for keyword in settings.critical_keywords):
        return "critical"
    if any(keyword in joined for keyword in settings.urgent_keywords):
        return "urgent"
    return "normal"


def sla_deadlines(start: datetime, urgency: str, settings: Settings) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a handoff at ``start``."""
    return (
        start + timedelta(minutes=settings.first_response_minutes),
        start + timedelta(minutes=settings.resolve_minutes[urgency]),
    )


def key_facts(texts: Iterable[str]) -> dict[str, list[str]]:
    """Order numbers, masked phone numbers and amounts mentioned by the customer."""
    joined = normalize("\n".join(texts))
    return {
        "order_ids": sorted({match.upper() for match in ORDER_ID.findall(joined)}),
        "phones": sorted({mask_phone(match) for match in PHONE.findall(joined)}),
        "amounts": sorted(set(AMOUNT.findall(joined))),
    }
