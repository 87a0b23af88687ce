"""Rules no model overrides: a person asked for, an escalation threat (understanding.rules)."""

from __future__ import annotations

import opencc
import pytest

from kefu.settings import Settings
from understanding import apply_rules
from understanding.rules import complains, escalation_threat, person_requested, request_ruled_out

SETTINGS = Settings()
TO_TRADITIONAL = opencc.OpenCC("s2t")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


PERSON_REQUESTS = [
    "转人工",
    "帮我转人工客服",
    "你这机器人答非所问，气死我了，赶紧给我转人工！",
    "人工",
    "人工！人工！人工！",
    "人工人工",
    "人工客服在吗",
    "我要找真人",
    "有没有活人啊",
    "叫你们经理出来",
    "我要找你们主管",
    "让你们负责人跟我说",
    "我不想跟机器人聊了",
    "能让工作人员给我打电话吗",
    "转接一下客服",
    "有人工服务吗",
    "我不管，转人工",
    "麻烦安排个人工处理一下，谢谢",
]
NOT_REQUESTS = [
    "你们是人工智能吗",
    "安装需要人工费吗",
    "人工服务费怎么收",
    "不用转人工，我自己看看",
    "不要人工，我就问问",
    "别转人工了",
    "经理说可以给我退",
    "这个功能是人工审核吗",
    "怎么退款",
]
THREATS = [
    "再不处理我就打12315",
    "我要去消协投诉你们",
    "我会向消费者协会反映",
    "你们等着，我找媒体曝光你们",
    "我已经联系记者了",
    "我要发到网上让大家看看",
    "我的律师会联系你们",
    "准备起诉你们",
    "那就法院见",
    "我要报警",
    "我要投诉到总部",
    "信不信我去市场监管局举报你们",
    "你们再不处理我就去12315投诉，还要找媒体曝光，转人工",
]
NOT_THREATS = [
    "多媒体功能怎么打开",
    "相机曝光怎么调",
    "烟雾报警器一直响怎么办",
    "我要投诉",
    "订单号12315678901",
    "验证码123456",
    "电视台收不到信号",
    "流媒体播放卡顿",
]


@pytest.mark.parametrize("text", PERSON_REQUESTS)
def test_a_person_asked_for_anywhere_in_a_message_hands_off(text):
    assert apply_rules(text, SETTINGS).reason == "customer_request" or escalation_threat(text, SETTINGS)
    assert person_requested(text, SETTINGS)


@pytest.mark.parametrize("text", PERSON_REQUESTS[:6])
def test_traditional_and_full_width_requests_read_the_same(text):
    assert person_requested(TO_TRADITIONAL.convert(text), SETTINGS)
    assert person_requested(full_width(TO_TRADITIONAL.convert(text)), SETTINGS)
    assert person_requested(" ".join(text), SETTINGS)


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_words_that_only_look_like_a_request_do_not(text):
    assert not person_requested(text, SETTINGS)


@pytest.mark.parametrize("text", THREATS)
def test_an_escalation_threat_hands_off_as_such(text):
    assert apply_rules(text, SETTINGS).reason == "escalation_threat"
    assert apply_rules(TO_TRADITIONAL.convert(text), SETTINGS).reason == "escalation_threat"


@pytest.mark.parametrize("text", NOT_THREATS)
def test_words_that_only_look_like_a_threat_do_not(text):
    assert not escalation_threat(text, SETTINGS)


def test_a_threat_outranks_a_plain_request():
    assert apply_rules("转人工，不然我就找律师", SETTINGS).reason == "escalation_threat"


def test_an_ordinary_question_asks_for_nothing():
    assert apply_rules("退款多久能到账", SETTINGS) is None


def test_the_word_lists_are_settings():
    custom = Settings(person_request_patterns=["找小二"], escalation_patterns=["黑猫投诉"])
    assert apply_rules("找小二来", custom).reason == "customer_request"
    assert apply_rules("我去黑猫投诉", custom).reason == "escalation_threat"
    assert apply_rules("转人工", custom) is None


@pytest.mark.parametrize("text", ["不用转人工，我自己再看看", "你们是人工智能吧？", "人工智慧客服", "经理说能退"])
def test_a_person_named_without_a_request_is_ruled_out_for_the_nlu_too(text):
    assert request_ruled_out(text, SETTINGS)


@pytest.mark.parametrize("text", ["转人工", "能不能让你们的工作人员联系我", "怎么退款"])
def test_a_request_or_no_person_named_is_not_ruled_out(text):
    assert not request_ruled_out(text, SETTINGS)


@pytest.mark.parametrize("text", ["订单的退款这么久还没到，我要投诉", "再这样我就给差评", "你们这是坑人", "我要投訴"])
def test_a_message_that_says_it_complains_is_a_complaint(text):
    assert complains(text, SETTINGS)


@pytest.mark.parametrize("text", ["怎么投诉", "投诉电话是多少", "退款多久到账"])
def test_asking_how_to_complain_is_no_complaint(text):
    assert not complains(text, SETTINGS)
