"""Long documents (a manual, an SOP: txt, md, docx) as KB entries, one per passage.

Sentences come from spaCy's Chinese pipeline with jieba segmentation; a passage is a few
consecutive sentences of one section, answered with its source cited. Every sentence is
indexed as a similar question of its passage, so asking about one detail finds it.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import PurePath
from typing import TYPE_CHECKING

from kb_index.entries import KBEntry, KBFormatError
from kefu import messages

if TYPE_CHECKING:  # spaCy loads on the first document, not with the gateway
    from spacy.language import Language

DOCUMENT_SUFFIXES = (".txt", ".md", ".docx")
PASSAGE_MAX_CHARS = 160
DOCUMENT_CATEGORY = "文档"
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")


@lru_cache(maxsize=1)
def _sentence_splitter() -> Language:
    import spacy

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.add_pipe("sentencizer")
    return nlp


def document_text(filename: str, data: bytes) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise KBFormatError(messages.DOC_BAD_TYPE)
    if suffix == ".docx":
        import docx

        try:
            return "\n\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
        except Exception as error:  # python-docx raises several types for a broken file
            raise KBFormatError(messages.DOC_UNREADABLE) from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise KBFormatError(messages.KB_NOT_UTF8) from error


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) pairs; Markdown headings start sections, blank lines end paragraphs."""
    found: list[tuple[str, str]] = []
    heading, lines = "", []
    for line in [*text.splitlines(), ""]:
        match = _HEADING.match(line)
        if match or not line.strip():
            if lines:
                found.append((heading, " ".join(lines)))
                lines = []
            if match:
                heading = match.group(1).strip()
        else:
            lines.append(line.strip().lstrip("-*> ").strip())
    return found


def passages_of(body: str) -> list[list[str]]:
    """Consecutive sentences grouped up to PASSAGE_MAX_CHARS characters."""
    groups: list[list[str]] = []
    for sentence in (s.text.strip() for s in _sentence_splitter()(body).sents):
        if not sentence:
            continue
        if groups and sum(map(len, groups[-1])) + len(sentence) <= PASSAGE_MAX_CHARS:
            groups[-1].append(sentence)
        else:
            groups.append([sentence])
    return groups


def document_prefix(filename: str) -> str:
    """The id prefix every passage of this document shares."""
    return f"doc:{PurePath(filename).name}#"


def document_entries(filename: str, data: bytes) -> list[KBEntry]:
    source = PurePath(filename).name
    entries = []
    for heading, body in sections(document_text(filename, data)):
        for sentences in passages_of(body):
            passage = "".join(sentences)
            entries.append(
                KBEntry(
                    id=f"{document_prefix(source)}{len(entries) + 1}",
                    question=f"{heading}：{passage}" if heading else passage,
                    answer=messages.DOC_ANSWER.format(passage=passage, source=source),
                    category=DOCUMENT_CATEGORY,
                    similar=tuple(sentences) if len(sentences) > 1 else (),
                )
            )
    if not entries:
        raise KBFormatError(messages.KB_EMPTY)
    return entries
