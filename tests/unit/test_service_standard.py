"""Nothing the bot or the system says uses 服务忌语 (推诿 language)."""

from __future__ import annotations

import yaml

from handoff.service_standard import canned_replies, forbidden_in
from kb_index.entries import load_jsonl_file
from kefu import messages
from kefu.settings import PROJECT_ROOT, Settings


def everything_we_say() -> list[str]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    bot = [variant["text"] for variants in domain["responses"].values() for variant in variants]
    kb = [entry.answer for entry in load_jsonl_file(str(Settings().kb_seed_file))]
    system = [value for value in vars(messages).values() if isinstance(value, str) and not value.isascii()]
    return bot + kb + system + [reply["text"] for reply in canned_replies()]


def test_no_forbidden_phrase_anywhere_in_what_we_say():
    offending = {text: forbidden_in(text, Settings()) for text in everything_we_say()}
    assert {text: found for text, found in offending.items() if found} == {}


def test_the_check_finds_what_it_should():
    settings = Settings()
    assert forbidden_in("这是规定，我也没办法", settings) == ["没办法", "这是规定", "我也没办法"]
    assert forbidden_in("你到售后部门问问吧", settings) == ["你到售后部门问问"]
    assert forbidden_in("我会帮您处理，我们可以为您补发", settings) == []
