"""KB entries and the JSONL / CSV import formats of DESIGN.md."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace

from kefu import messages
from kefu.text import normalize

REQUIRED_FIELDS = ("id", "question", "answer")
_NOT_WORD = re.compile(r"[\W_]+")


def question_key(text: str) -> str:
    """What two wordings of the same question share: normalised, lower case, no punctuation or spaces."""
    return _NOT_WORD.sub("", normalize(text)).lower()


class KBFormatError(ValueError):
    """The uploaded file is not a valid KB; the message is shown to the uploader."""


@dataclass(frozen=True)
class KBEntry:
    id: str
    question: str
    answer: str
    category: str = ""
    similar: tuple[str, ...] = field(default_factory=tuple)
    # Customers' wordings learned from use (gateway.learning): matched like similar questions, but
    # kept apart so that they never shift what the maintained questions mean together.
    learned: tuple[str, ...] = field(default_factory=tuple)

    @property
    def questions(self) -> tuple[str, ...]:
        """Every phrasing that points at this entry: the main question, the similar ones, the learned ones."""
        return (self.question, *self.similar, *self.learned)

    @property
    def maintained(self) -> int:
        """How many of ``questions`` a maintainer wrote (the first ones)."""
        return 1 + len(self.similar)

    def with_similar(self, questions: Iterable[str]) -> KBEntry:
        """This entry with ``questions`` added as similar questions, skipping wordings it has."""
        return replace(self, similar=(*self.similar, *self._new(questions)))

    def with_learned(self, questions: Iterable[str]) -> KBEntry:
        """This entry with ``questions`` learned from use, skipping wordings it has."""
        return replace(self, learned=(*self.learned, *self._new(questions)))

    def without_learned(self, questions: Iterable[str]) -> KBEntry:
        dropped = {question_key(question) for question in questions}
        return replace(self, learned=tuple(q for q in self.learned if question_key(q) not in dropped))

    def _new(self, questions: Iterable[str]) -> list[str]:
        known = {question_key(question) for question in self.questions}
        added = []
        for question in (q.strip() for q in questions):
            if question and question_key(question) not in known:
                known.add(question_key(question))
                added.append(question)
        return added

    def matches(self, text: str) -> bool:
        """Whether ``text`` occurs in the id, a question, the answer or the category (for finding entries)."""
        key = question_key(text)
        return any(key in question_key(value) for value in (self.id, *self.questions, self.answer, self.category))

    def to_json(self) -> str:
        record = asdict(self)
        record["similar"] = list(self.similar)
        record["learned"] = list(self.learned)
        if not self.learned:
            del record["learned"]
        return json.dumps(record, ensure_ascii=False)


def _entry_from_record(record: dict, where: str) -> KBEntry:
    if not isinstance(record, dict):
        raise KBFormatError(messages.KB_NOT_OBJECT.format(where=where))
    missing = [name for name in REQUIRED_FIELDS if not str(record.get(name) or "").strip()]
    if missing:
        raise KBFormatError(messages.KB_MISSING_FIELDS.format(where=where, fields=", ".join(missing)))
    return KBEntry(
        id=str(record["id"]).strip(),
        question=str(record["question"]).strip(),
        answer=str(record["answer"]).strip(),
        category=str(record.get("category") or "").strip(),
        similar=_wordings(record.get("similar"), where),
        learned=_wordings(record.get("learned"), where),
    )


def _wordings(value: object, where: str) -> tuple[str, ...]:
    """A JSON list of questions, or a ``|``-separated CSV cell."""
    value = value or []
    if isinstance(value, str):
        value = value.split("|")
    if not isinstance(value, list):
        raise KBFormatError(messages.KB_BAD_SIMILAR.format(where=where))
    return tuple(s.strip() for s in map(str, value) if s.strip())


def parse_jsonl(text: str) -> list[KBEntry]:
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise KBFormatError(messages.KB_BAD_JSON.format(where=f"第{number}行", error=error.msg)) from error
        entries.append(_entry_from_record(record, f"第{number}行"))
    return entries


def parse_csv(text: str) -> list[KBEntry]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not set(REQUIRED_FIELDS) <= set(reader.fieldnames):
        raise KBFormatError(messages.KB_BAD_CSV_HEADER)
    # Data rows start on line 2, after the header.
    return [_entry_from_record(row, f"第{number}行") for number, row in enumerate(reader, start=2)]


def parse_kb_file(filename: str, data: bytes) -> list[KBEntry]:
    """Parse an uploaded KB file, JSONL or CSV by its name (else its first character); unique ids."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise KBFormatError(messages.KB_NOT_UTF8) from error
    if not text.strip():
        raise KBFormatError(messages.KB_EMPTY)
    name = filename.lower()
    is_jsonl = name.endswith((".jsonl", ".json")) or (
        not name.endswith(".csv") and text.lstrip().startswith("{")
    )
    entries = parse_jsonl(text) if is_jsonl else parse_csv(text)
    if not entries:
        raise KBFormatError(messages.KB_EMPTY)
    return list(unique_by_id(entries))


def unique_by_id(entries: Iterable[KBEntry]) -> Iterable[KBEntry]:
    """The last entry with an id wins, as in a merge import."""
    return {entry.id: entry for entry in entries}.values()


def load_jsonl_file(path: str) -> list[KBEntry]:
    with open(path, encoding="utf-8") as handle:
        return parse_jsonl(handle.read())
