"""Nothing the bot, the KB or the system says asks a customer for a password or payment code."""

from __future__ import annotations

import re

import pytest

from tests.unit.test_service_standard import everything_we_say

SECRET = r"(?:密码|支付码|付款码|CVV|安全码)"
ASKING = re.compile(rf"(?:提供|告诉|告知|发送|发给|回复|报一下|说一下)[^，。！？；]{{0,8}}{SECRET}")
NEGATED = re.compile(r"不要|请勿|切勿|不会|绝不|不得|勿")


def asks_for_a_secret(text: str) -> list[str]:
    """The clauses that ask for a password or payment code without saying not to."""
    clauses = re.split(r"[，。！？；,.!?;（）()]", text)
    return [clause for clause in clauses if ASKING.search(clause) and not NEGATED.search(clause)]


def test_nothing_we_say_asks_for_a_secret():
    offending = {text: asks_for_a_secret(text) for text in everything_we_say()}
    assert {text: clauses for text, clauses in offending.items() if clauses} == {}


@pytest.mark.parametrize(("text", "asks"), [
    ("请提供您的支付密码以便核实", True),
    ("麻烦告诉我您的登录密码", True),
    ("请回复银行卡背面的CVV", True),
    ("请不要向任何人提供密码", False),
    ("我们绝不会索要您的密码，请勿告诉他人", False),
    ("请在登录页点击忘记密码，按提示重置", False),
])
def test_the_check_finds_what_it_should(text: str, asks: bool):
    assert bool(asks_for_a_secret(text)) is asks
