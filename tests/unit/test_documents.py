"""Manuals and SOPs become passages with their source cited."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from kb_index.documents import PASSAGE_MAX_CHARS, document_entries, passages_of, sections
from kb_index.entries import KBFormatError

SOP = Path(__file__).resolve().parent.parent / "data" / "return_sop.md"


def test_markdown_headings_start_sections() -> None:
    found = sections(SOP.read_text(encoding="utf-8"))
    assert [heading for heading, _ in found] == ["受理条件", "运费规则", "退款时效"]
    assert found[1][1].startswith("因质量问题退货的")


def test_passages_keep_whole_sentences_within_the_limit() -> None:
    body = "第一句话。" * 60
    groups = passages_of(body)
    assert len(groups) > 1
    assert all(sum(map(len, group)) <= PASSAGE_MAX_CHARS for group in groups)
    assert all(sentence == "第一句话。" for group in groups for sentence in group)


def test_entries_cite_their_source_and_index_each_sentence() -> None:
    entries = document_entries("return_sop.md", SOP.read_bytes())
    assert [entry.id for entry in entries] == [f"doc:return_sop.md#{n}" for n in range(1, len(entries) + 1)]
    freight = next(entry for entry in entries if "往返运费" in entry.question)
    assert freight.question.startswith("运费规则：")
    assert freight.answer.endswith("（来源：return_sop.md）")
    assert "因质量问题退货的，往返运费由我们承担。" in freight.similar


def test_docx_paragraphs_are_read() -> None:
    document = docx.Document()
    document.add_paragraph("保修期内的产品故障可以免费维修。维修周期一般为7个工作日。")
    buffer = io.BytesIO()
    document.save(buffer)
    entries = document_entries("售后手册.docx", buffer.getvalue())
    assert len(entries) == 1 and entries[0].similar[1] == "维修周期一般为7个工作日。"
    assert "来源：售后手册.docx" in entries[0].answer


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("manual.pdf", b"%PDF"),
        ("broken.docx", b"not a zip"),
        ("empty.md", b"  \n\n"),
        ("latin1.txt", "é".encode("latin-1")),
    ],
)
def test_unusable_documents_are_refused_in_chinese(name: str, data: bytes) -> None:
    with pytest.raises(KBFormatError) as refused:
        document_entries(name, data)
    assert not str(refused.value).isascii()
