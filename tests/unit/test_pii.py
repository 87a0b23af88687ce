"""kefu.pii: personal data and disclosed secrets are found and masked, nothing else is touched."""

from __future__ import annotations

import pytest

from kefu.pii import for_agents, luhn_valid, mask_all, mask_personal_data, mask_phone, mask_secrets

# Luhn-valid: a 19-digit UnionPay-style number and the well-known 16-digit test card.
UNIONPAY = "6222021000123456781"
VISA = "4111111111111111"


def test_luhn() -> None:
    assert luhn_valid(UNIONPAY) and luhn_valid(VISA)
    assert not luhn_valid(UNIONPAY[:-1] + "2")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的手机13812345678", "我的手机138****5678"),
        ("联系+8613912345678", "联系+86139****5678"),
        ("手机号１３８１２３４５６７８", "手机号138****5678"),
        ("身份证11010119900307123X，", "身份证110***********123X，"),
        ("身份证号110101200012311234", "身份证号110***********1234"),
        (f"卡号{UNIONPAY}", "卡号6222***********6781"),
        ("银行卡4111-1111-1111-1111", "银行卡4111********1111"),
        ("银行卡 4111 1111 1111 1111 谢谢", "银行卡 4111********1111 谢谢"),
    ],
)
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "订单DD202611180001到哪了",
        "快递单号1234567812345678",  # 16 digits but not a card (Luhn)
        "工号12812345678",  # 11 digits but no mobile prefix
        "账号138123456789",  # 12 digits: not a phone
        "我买了3件，一共299元",
        "身份证号110101199013071234",  # no 13th month: not an ID number
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的密码是abc12345，登录不上", "我的密码是******，登录不上"),
        ("支付密码：888888", "支付密码：******"),
        ("账号密码为 Zhang@2026", "账号密码为 ******"),
        ("验证码 123456", "验证码 ******"),
        ("付款码是283746501928374650", "付款码是******"),
        ("卡背面CVV 123", "卡背面CVV ******"),
    ],
)
def test_disclosed_secrets_are_masked(text: str, masked: str) -> None:
    assert mask_secrets(text) == (masked, True)


@pytest.mark.parametrize(
    "text", ["我忘记密码了", "密码是多少位的", "怎么修改登录密码？", "验证码一直收不到", "shopping123 list"]
)
def test_talking_about_passwords_is_not_a_disclosure(text: str) -> None:
    assert mask_secrets(text) == (text, False)


def test_mask_all_and_agents_view() -> None:
    text = "手机13812345678，支付密码654321"
    assert mask_all(text) == "手机138****5678，支付密码******"
    assert for_agents(text, verified=False) == "手机138****5678，支付密码654321"
    assert for_agents(text, verified=True) == text


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("123") == "****"
