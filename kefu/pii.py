"""Personal data in free text: find it and mask it.

Mobile numbers, ID-card numbers and bank-card numbers are masked wherever someone other
than the customer reads text (log lines; the agent's view of a customer not yet verified).
Passwords and payment codes are never kept at all: a message disclosing one is stored masked.
"""

from __future__ import annotations

import re

# Customers type on phones with Chinese keyboards: full-width digits are digits too.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")

# Mainland mobile numbers, also right after +86.
PHONE = re.compile(r"(?:(?<=\+86)|(?<!\d))1[3-9]\d{9}(?!\d)", re.ASCII)
# 18-digit resident ID: region, birth date (1900–2099), sequence, check digit (X stands for 10).
ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])",
    re.ASCII,
)
# 16–19 digits, possibly grouped by spaces or hyphens; only Luhn-valid ones are card numbers.
CARD_CANDIDATE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){15,18}(?![\d-])", re.ASCII)
# A password, payment code or one-time code followed by its value ("密码是abc123", "支付密码：888888").
SECRET = re.compile(
    r"(?P<label>(?:登录|登陆|支付|交易|取款|银行卡|账户|账号|网银|查询|开机|解锁)?密码|支付码|付款码|验证码|校验码|动态码|安全码"
    r"|(?<![A-Za-z])(?:CVV2?|CVN|PIN)码?)"
    r"(?P<sep>\s*(?:是|为|:|：|=)?\s*)"
    r"(?P<value>[A-Za-z0-9!@#$%^&*()_+=.?~-]{3,64})",
    re.ASCII | re.IGNORECASE,
)
SECRET_MASK = "******"


def _keep_ends(value: str, head: int, tail: int) -> str:
    return value[:head] + "*" * max(len(value) - head - tail, 4) + value[-tail:]


def mask_phone(phone: str) -> str:
    """138****5678: enough for an agent to confirm, not to misuse."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mainland_mobile(text: str) -> str | None:
    """The 11-digit number in "138 1234 5678", "+86-138-1234-5678" or full-width digits; else None."""
    digits = re.sub(r"[\s-]", "", text.translate(_FULL_WIDTH)).removeprefix("+86")
    return digits if PHONE.fullmatch(digits) else None


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(digits)):
        doubled = digit * 2 if position % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    return _keep_ends(digits, 4, 4) if luhn_valid(digits) else match.group(0)


def mask_personal_data(text: str) -> str:
    """Phone, ID-card and bank-card numbers masked; everything else as it was."""
    text = text.translate(_FULL_WIDTH)
    text = ID_CARD.sub(lambda match: _keep_ends(match.group(0), 3, 4), text)
    text = CARD_CANDIDATE.sub(_mask_card, text)
    return PHONE.sub(lambda match: mask_phone(match.group(0)), text)


def mask_secrets(text: str) -> tuple[str, bool]:
    """The text with every disclosed password or code replaced, and whether there was one."""
    masked, count = SECRET.subn(lambda match: match.group("label") + match.group("sep") + SECRET_MASK,
                                text.translate(_FULL_WIDTH))
    return (masked, True) if count else (text, False)


def mask_all(text: str) -> str:
    """What a log line may keep of a text."""
    return mask_personal_data(mask_secrets(text)[0])


def for_agents(text: str, verified: bool) -> str:
    """Agents read personal data in full only once the customer has proved who they are."""
    return text if verified else mask_personal_data(text)
