"""Which requests need the SMS identity check: the customer's own account, confidently recognised.

The message must name something of the account (address, bound phone, login, a stolen account);
a WiFi, router or device password is not the customer's account with us, so such questions are
answered without a code.
"""

from __future__ import annotations

from kefu.settings import Settings
from understanding.floors import may_act
from understanding.patterns import compiled, rule_text


def about_own_account(text: str, settings: Settings) -> bool:
    """Names the account itself (address, binding, a stolen account…), or a login or password
    without naming a device ("路由器的管理密码" is the router's, "登录密码" the account's)."""
    compact = rule_text(text)
    if compiled(settings.account_terms_pattern).search(compact):
        return True
    login = compiled(settings.login_terms_pattern).search(compact) is not None
    return login and compiled(settings.device_terms_pattern).search(compact) is None


def needs_identity_check(intent: str | None, confidence: float | None, text: str, settings: Settings) -> bool:
    return (
        intent in settings.verify_intents
        and may_act(intent, confidence, text, settings)
        and about_own_account(text, settings)
    )
