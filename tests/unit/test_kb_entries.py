"""kb_index.entries: the JSONL / CSV KB import formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_index.entries import KBEntry, KBFormatError, parse_kb_file
from kefu import messages

DATA = Path(__file__).resolve().parent.parent / "data"


def jsonl(*records: dict) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")


def test_jsonl_entry_fields() -> None:
    data = jsonl({"id": " a1 ", "question": " 怎么退款？ ", "answer": "七天无理由。", "category": "退款",
                  "similar": ["退款流程", " ", "申请退款"]})
    expected = KBEntry(
        id="a1", question="怎么退款？", answer="七天无理由。", category="退款", similar=("退款流程", "申请退款")
    )
    assert parse_kb_file("kb.jsonl", data) == [expected]


def test_csv_similar_is_pipe_separated() -> None:
    data = "id,question,similar,answer,category\nb1,怎么开发票,开票|要发票 | ,在订单页申请。,发票\n".encode()
    [entry] = parse_kb_file("kb.csv", data)
    assert entry.similar == ("开票", "要发票")
    assert entry.questions == ("怎么开发票", "开票", "要发票")
    assert entry.category == "发票"


def test_csv_without_optional_columns_and_with_bom() -> None:
    data = "\ufeffid,question,answer\nc1,问题,答案\n".encode()
    assert parse_kb_file("kb.csv", data) == [KBEntry(id="c1", question="问题", answer="答案")]


def test_unique_by_id_last_wins() -> None:
    data = jsonl(
        {"id": "x", "question": "旧问题", "answer": "旧答案"},
        {"id": "y", "question": "另一个", "answer": "答"},
        {"id": "x", "question": "新问题", "answer": "新答案"},
    )
    entries = parse_kb_file("kb.jsonl", data)
    assert [entry.id for entry in entries] == ["x", "y"]
    assert entries[0].question == "新问题"
    assert entries[0].answer == "新答案"


def test_sample_files_parse_to_the_same_40_entries() -> None:
    from_jsonl = parse_kb_file("other_kb.jsonl", (DATA / "other_kb.jsonl").read_bytes())
    from_csv = parse_kb_file("other_kb.csv", (DATA / "other_kb.csv").read_bytes())
    assert len(from_jsonl) == 40
    assert len({entry.id for entry in from_jsonl}) == 40
    assert from_csv == from_jsonl
    assert all(entry.similar for entry in from_jsonl)


def test_entry_round_trips_through_to_json() -> None:
    entry = KBEntry(id="r", question="问", answer="答", category="类", similar=("甲", "乙"))
    assert parse_kb_file("kb.jsonl", (entry.to_json() + "\n").encode()) == [entry]


def test_bad_json_line_names_its_line_number() -> None:
    data = jsonl({"id": "1", "question": "问", "answer": "答"}) + b"\n" + b'{"id": "2", "question": \n'
    with pytest.raises(KBFormatError, match="第3行不是有效的JSON"):
        parse_kb_file("kb.jsonl", data)


def test_bad_first_line_of_a_jsonl_file_is_reported_as_json() -> None:
    # A file named .jsonl must be read as JSONL, so a broken first line gets its line number.
    data = b"oops\n" + jsonl({"id": "1", "question": "问", "answer": "答"})
    with pytest.raises(KBFormatError, match="第1行"):
        parse_kb_file("kb.jsonl", data)


def test_missing_fields_are_listed() -> None:
    data = jsonl({"id": "1", "question": "问", "answer": "答"}, {"id": "2", "question": "  "})
    with pytest.raises(KBFormatError) as error:
        parse_kb_file("kb.jsonl", data)
    assert str(error.value) == messages.KB_MISSING_FIELDS.format(where="第2行", fields="question, answer")


def test_missing_field_in_csv_row_names_the_file_line() -> None:
    data = "id,question,answer\n1,问,答\n2,问,\n".encode()
    with pytest.raises(KBFormatError, match="第3行缺少字段：answer"):
        parse_kb_file("kb.csv", data)


def test_non_object_json_line() -> None:
    data = jsonl({"id": "1", "question": "问", "answer": "答"}) + b"[1, 2]\n"
    with pytest.raises(KBFormatError, match="第2行必须是一个JSON对象"):
        parse_kb_file("kb.jsonl", data)


def test_similar_must_be_a_list() -> None:
    with pytest.raises(KBFormatError, match="第1行的similar"):
        parse_kb_file("kb.jsonl", jsonl({"id": "1", "question": "问", "answer": "答", "similar": 5}))


@pytest.mark.parametrize("name", ["kb.jsonl", "kb.csv"])
def test_non_utf8_bytes(name: str) -> None:
    data = "id,question,answer\n1,请问,答案\n".encode("gbk")
    with pytest.raises(KBFormatError) as error:
        parse_kb_file(name, data)
    assert str(error.value) == messages.KB_NOT_UTF8


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("kb.jsonl", b""),
        ("kb.jsonl", b"\n  \n"),
        ("kb.csv", b"id,question,answer\n"),
    ],
    ids=["empty-jsonl", "blank-lines-jsonl", "header-only-csv"],
)
def test_empty_file(name: str, data: bytes) -> None:
    with pytest.raises(KBFormatError) as error:
        parse_kb_file(name, data)
    assert str(error.value) == messages.KB_EMPTY


@pytest.mark.parametrize("header", ["id,question\n", "编号,问题,答案\n", "question;answer;id\n"])
def test_csv_without_required_header(header: str) -> None:
    data = (header + "1,问,答\n").encode()
    with pytest.raises(KBFormatError) as error:
        parse_kb_file("kb.csv", data)
    assert str(error.value) == messages.KB_BAD_CSV_HEADER
    assert "表头" in str(error.value)
