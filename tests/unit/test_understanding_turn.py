"""Courtesy and content, confidence floors, the identity check's scope (understanding)."""

from __future__ import annotations

import pytest

from kefu.settings import Settings
from understanding import STEPS, may_act, needs_identity_check, question_part
from understanding.choices import picked_payload
from understanding.courtesy import is_question

SETTINGS = Settings()


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("你好，我想问下宽带怎么续费", "我想问下宽带怎么续费"),
        ("您好！请问发票怎么开", "请问发票怎么开"),
        ("在吗？网速特别慢怎么回事", "网速特别慢怎么回事"),
        ("在吗 退款多久到账", "退款多久到账"),
        ("谢谢，另外想问下路由器保修多久", "想问下路由器保修多久"),
        ("好的，那欠费停了交完钱多久能用", "欠费停了交完钱多久能用"),
        ("嗯嗯，还有，积分怎么用", "积分怎么用"),
        ("你好我想问下怎么退款", "我想问下怎么退款"),
        ("哈喽～订单怎么取消", "订单怎么取消"),
        ("OK，那发票呢", "发票呢"),
    ],
)
def test_courtesy_before_a_question_leaves_the_question(text, question):
    assert question_part(text, SETTINGS) == question


@pytest.mark.parametrize(
    "text",
    ["你好", "在吗", "谢谢", "谢谢，再见", "好的", "嗯嗯，知道了", "谢谢你们的帮助", "好像收不到验证码", "怎么退款",
     "那个东西怎么弄", "还有货吗"],
)
def test_courtesy_alone_or_no_courtesy_stays_whole(text):
    assert question_part(text, SETTINGS).replace(",", "，") == text.replace(",", "，")


@pytest.mark.parametrize(
    "text", ["交完钱多久能用", "怎么退款", "发票呢", "能不能便宜点", "这是什么", "可以退吗？", "为啥还没到"]
)
def test_questions_are_questions(text):
    assert is_question(text, SETTINGS)


@pytest.mark.parametrize("text", ["再见", "谢谢", "好的", "拜拜，祝你们生意兴隆", "那么就这样吧"])
def test_courtesy_is_no_question(text):
    assert not is_question(text, SETTINGS)


def test_a_courtesy_intent_never_takes_a_question():
    assert not may_act("goodbye", 0.99, "那欠费停了，交完钱多久能用", SETTINGS)
    assert not may_act("greet", 0.99, "你好，网速慢怎么办", SETTINGS)
    assert may_act("goodbye", 0.99, "好的再见", SETTINGS)


def test_costly_intents_need_their_floor():
    floors = Settings(intent_floors={"goodbye": 0.8, "order_status": 0.6})
    assert not may_act("goodbye", 0.79, "拜拜", floors)
    assert may_act("goodbye", 0.8, "拜拜", floors)
    assert not may_act("order_status", 0.5, "DD202611180001", floors)
    assert may_act("refund", 0.1, "退款", floors), "an intent without a floor answers from the KB anyway"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("wifi密码在哪里设置", "account_security"),
        ("路由器的管理密码怎么改", "account_security"),
        ("WiFi名称和密码怎么改", "account_security"),
        ("摄像头的密码忘了", "account_security"),
        ("光猫后台登不进去", "account_security"),
    ],
)
def test_device_and_network_passwords_need_no_identity_check(text, intent):
    assert not needs_identity_check(intent, 0.95, text, SETTINGS)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我的账号被盗了", "account_security"),
        ("帮我把绑定的手机号换一下", "account_security"),
        ("登录密码忘了怎么重置", "account_security"),
        ("帮我改一下收货地址", "change_address"),
        ("地址填错了要改", "change_address"),
    ],
)
def test_the_customers_own_account_needs_the_identity_check(text, intent):
    assert needs_identity_check(intent, 0.95, text, SETTINGS)


def test_an_unsure_or_other_intent_starts_no_identity_check():
    assert not needs_identity_check("account_security", 0.3, "我的账号被盗了", SETTINGS)
    assert not needs_identity_check("refund", 0.99, "我的账号被盗了", SETTINGS)


def test_the_order_of_the_steps_is_data():
    assert STEPS.index("rules") < STEPS.index("awaiting") < STEPS.index("courtesy") < STEPS.index("intent")
    assert STEPS[-2:] == ("kb", "learning")


BUTTONS = [{"title": q, "payload": q} for q in ("退款多久能到账？", "怎么开发票？")] + [
    {"title": "都不是，转人工", "payload": "都不是，转人工"}]


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("退款多久能到账？", "退款多久能到账？"),
        ("怎么开发票", "怎么开发票？"),
        ("2", "怎么开发票？"),
        ("２", "怎么开发票？"),
        ("第一个", "退款多久能到账？"),
        ("选第2个吧", "怎么开发票？"),
        ("3", "都不是，转人工"),
    ],
)
def test_a_pick_is_a_button_its_title_or_its_number(text, payload):
    assert picked_payload(text, BUTTONS) == payload


@pytest.mark.parametrize("text", ["4", "第五个", "退款", "都不太对", "我想问别的"])
def test_anything_else_is_no_pick(text):
    assert picked_payload(text, BUTTONS) is None


@pytest.mark.parametrize("text", ["您好，在吗？", "在吗", "好的谢谢", "拜拜", "嗯嗯"])
def test_courtesy_alone_may_get_a_courtesy_reply(text):
    assert may_act("greet", 0.99, text, SETTINGS)


@pytest.mark.parametrize("text", ["查下DD202611189999", "好的，13912345678", "谢谢，单号是20261118"])
def test_a_message_with_facts_is_never_courtesy(text):
    assert not may_act("affirm", 0.99, text, SETTINGS)


@pytest.mark.parametrize("text", ["支持哪些支付方式？", "会员积分怎么用", "怎么联系客服"])
def test_nothing_of_the_account_named_needs_no_identity_check(text):
    assert not needs_identity_check("account_security", 0.99, text, SETTINGS)


@pytest.mark.parametrize("text", ["滤网", "发票", "扫地机器人", "那我先去试试看行不行"])
def test_a_word_that_is_no_courtesy_gets_no_courtesy_reply(text):
    assert not may_act("affirm", 0.99, text, SETTINGS)


@pytest.mark.parametrize("text", ["谢谢你们的耐心解答", "非常感谢", "好的，没问题", "不用了，谢谢", "您好，在吗？"])
def test_courtesy_with_a_few_words_besides_is_courtesy(text):
    assert may_act("thanks", 0.99, text, SETTINGS)
