"""Measuring retrieval and the miss decision on public question pairs and on our own KB.

Test files are only ever read here, for reporting; nothing is tuned on them.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from kb_index.decision import Bands, Lookup, decide
from kb_index.encoders import Encoder
from kb_index.entries import KBEntry, load_jsonl_file, question_key
from kb_index.index import Hit, KBIndex
from kb_index.service import lookup_on
from kb_index.store import KBStore
from kefu.settings import PROJECT_ROOT, Settings

OUT_OF_SCOPE_EXAMPLES = PROJECT_ROOT / "bot" / "data" / "nlu" / "out_of_scope.yml"
# A telecom KB (another business, imported as is) and paraphrased or off-topic questions about it.
FOREIGN_KB = PROJECT_ROOT / "tests" / "data" / "other_kb.jsonl"
FOREIGN_QUERIES = PROJECT_ROOT / "tests" / "data" / "other_kb_queries.jsonl"
# A week of customers' own wordings for the demo KB (entry id, or null when off-topic), for the learning
# replay only: written apart from the KB, its calibration and every other set, and tuned on by nothing.
REPLAY_WEEK = PROJECT_ROOT / "kb_index" / "data" / "replay_week.jsonl"
_EXAMPLE = re.compile(r"^\s+- (.+)$")


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    same: bool


def read_pairs(path: Path) -> list[Pair]:
    """Rows of (question, question, 0/1) from the CSV or TSV sets, headers skipped."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle) if path.suffix == ".csv" else csv.reader(
            handle, delimiter="\t", quoting=csv.QUOTE_NONE
        )
        return [Pair(r[0], r[1], r[2].strip() == "1") for r in rows if len(r) >= 3 and r[2].strip() in "01"]


def entries_of(questions: list[str]) -> list[KBEntry]:
    return [KBEntry(id=str(number), question=text, answer="") for number, text in enumerate(questions)]


def first_question_index(pairs: list[Pair], encoder: Encoder) -> tuple[KBIndex, dict[str, int]]:
    """Every distinct first question of a set as its own entry, as retrieval would see them."""
    questions = list(dict.fromkeys(pair.first for pair in pairs))
    return KBIndex.build(entries_of(questions), encoder), {text: n for n, text in enumerate(questions)}


def configured_search(index: KBIndex, text: str, settings: Settings, k: int = 5) -> list[Hit]:
    """A search with the product's candidates and weights, as the bot would search."""
    return index.search(text, k=k, candidates=settings.kb_candidates, dense_weight=settings.kb_dense_weight,
                        centroid_weight=settings.kb_centroid_weight)


def recall_at_1(pairs: list[Pair], encoder: Encoder, settings: Settings) -> float:
    """Index all first questions, query with the second of each positive pair."""
    index, position = first_question_index(pairs, encoder)
    positives = [pair for pair in pairs if pair.same]
    found = 0
    for pair in positives:
        hits = configured_search(index, pair.second, settings, k=1)
        found += bool(hits) and hits[0].entry.id == str(position[pair.first])
    return found / len(positives)


def pair_accuracy(pairs: list[Pair], encoder: Encoder, settings: Settings) -> float:
    """Same-meaning accuracy when a pair counts as "same" at the product's own threshold."""
    index, position = first_question_index(pairs, encoder)
    rows = [int(np.flatnonzero(index.row_entry == position[pair.first])[0]) for pair in pairs]
    scores = index.pair_scores([pair.second for pair in pairs], rows, settings.kb_dense_weight,
                               settings.kb_centroid_weight)
    predicted = scores >= settings.kb_answer_threshold
    return float(np.mean(predicted == np.array([pair.same for pair in pairs])))


def out_of_scope_questions() -> list[str]:
    lines = OUT_OF_SCOPE_EXAMPLES.read_text(encoding="utf-8").splitlines()
    return [match.group(1) for line in lines if (match := _EXAMPLE.match(line))]


def out_of_scope_for_calibration() -> list[str]:
    return out_of_scope_questions()[0::2]


def out_of_scope_for_report() -> list[str]:
    """The half that calibration (kb_index.calibration) never sees."""
    return out_of_scope_questions()[1::2]


@dataclass(frozen=True)
class KBFigures:
    """How the bands treat a KB's questions: rates over answerable questions, off-topic ones apart."""

    top1: float  # the right entry ranked first, whatever the band
    joint: float  # answerable questions reached plus off-topic ones missed, over all questions
    reach: float  # the right entry answered or among the choices
    right_answer_rate: float  # answered with the right entry
    wrong_answer_rate: float  # answered with another entry
    suggest_rate: float
    offtopic_answer_rate: float  # off-topic questions answered (with anything)
    offtopic_suggest_rate: float

    def named(self, prefix: str) -> dict[str, float]:
        return {f"{prefix}_{name}": value for name, value in asdict(self).items()}


Case = tuple[list[Hit], str | None]
"""A question's hits and the entry that answers it (None: off-topic, nothing should)."""


def kb_figures(cases: list[Case], bands: Bands) -> KBFigures:
    """The figures of ``cases`` under ``bands``; at least one answerable and one off-topic case."""
    decided = [(decide(hits, bands), expected) for hits, expected in cases]
    asked = [(lookup, expected) for lookup, expected in decided if expected is not None]
    off_topic = [lookup.outcome for lookup, expected in decided if expected is None]

    def rate(flags: list[bool]) -> float:
        return sum(flags) / len(flags)

    first = [bool(lookup.hits) and lookup.hits[0].entry.id == expected for lookup, expected in asked]
    answered = [lookup.outcome == "answer" for lookup, _ in asked]
    right = [was_answered and was_first for was_answered, was_first in zip(answered, first, strict=True)]
    reached = [was_right or any(hit.entry.id == expected for hit in lookup.choices)
               for was_right, (lookup, expected) in zip(right, asked, strict=True)]
    return KBFigures(
        top1=rate(first),
        joint=(sum(reached) + off_topic.count("miss")) / len(decided),
        reach=rate(reached),
        right_answer_rate=rate(right),
        wrong_answer_rate=rate([was_answered and not was_first
                                for was_answered, was_first in zip(answered, first, strict=True)]),
        suggest_rate=rate([lookup.outcome == "suggest" for lookup, _ in asked]),
        offtopic_answer_rate=off_topic.count("answer") / len(off_topic),
        offtopic_suggest_rate=off_topic.count("suggest") / len(off_topic),
    )


def search_cases(index: KBIndex, asked: list[tuple[str, str | None]], settings: Settings) -> list[Case]:
    """Each (question, expected entry id or None) searched once, as the bot would search it."""
    return [(configured_search(index, text, settings), expected) for text, expected in asked]


def held_out_figures(entries: list[KBEntry], settings: Settings, encoder: Encoder) -> KBFigures:
    """``entries`` with each entry's last similar question held out and asked, off-topic questions too."""
    held_out: list[tuple[str, str | None]] = [(entry.similar[-1], entry.id) for entry in entries if entry.similar]
    kept = [KBEntry(e.id, e.question, e.answer, e.category, e.similar[:-1]) for e in entries]
    asked = held_out + [(text, None) for text in out_of_scope_for_report()]
    return kb_figures(search_cases(KBIndex.build(kept, encoder), asked, settings), Bands.from_settings(settings))


def held_out_kb(entries: list[KBEntry], settings: Settings, encoder: Encoder) -> tuple[float, float]:
    """(top-1, joint accuracy) on ``entries``, as the retraining page shows them."""
    figures = held_out_figures(entries, settings, encoder)
    return figures.top1, figures.joint


def foreign_kb(settings: Settings, encoder: Encoder) -> KBFigures:
    """Another business's KB imported as is, asked its own test questions (paraphrases and off-topic ones)."""
    queries = [json.loads(line) for line in FOREIGN_QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    asked = [(query["query"], query["expected_id"]) for query in queries]
    index = KBIndex.build(load_jsonl_file(str(FOREIGN_KB)), encoder)
    return kb_figures(search_cases(index, asked, settings), Bands.from_settings(settings))


Wording = tuple[str, str | None]
"""A customer's message and the entry they meant (None: off-topic)."""


def read_week(path: Path = REPLAY_WEEK) -> list[Wording]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(record["query"], record["entry_id"]) for record in records]


def split_week(week: list[Wording]) -> tuple[list[Wording], list[Wording]]:
    """(fed, asked): each entry's wordings alternate between the halves, the off-topic ones as one group.

    Alternating within an entry gives every entry wordings on both sides, so the asked half
    measures what its own entry learned from other customers, and the split never depends on scores.
    """
    seen: Counter[str | None] = Counter()
    fed: list[Wording] = []
    asked: list[Wording] = []
    for text, meant in week:
        (fed if seen[meant] % 2 == 0 else asked).append((text, meant))
        seen[meant] += 1
    return fed, asked


@dataclass(frozen=True)
class Feedback:
    """What a customer's next act teaches the KB: a learned similar question or a negative."""

    kind: Literal["similar", "negative"]
    entry_id: str


def customer_feedback(lookup: Lookup, meant: str | None) -> Feedback | None:
    """The pick or rating of a customer who meant ``meant``, as the product records it.

    Only the customer knows what they meant: a right answer is rated 4–5 and a wrong one ≤ 3 (an
    off-topic question answered with anything is wrong); a suggestion holding their entry is picked;
    otherwise they press 都不是 or a person takes over, which teaches nothing here.
    """
    if lookup.outcome == "answer":
        answered = lookup.hits[0].entry.id
        return Feedback("similar" if answered == meant else "negative", answered)
    if meant is not None and any(hit.entry.id == meant for hit in lookup.choices):
        return Feedback("similar", meant)
    return None


def learn(store: KBStore, text: str, feedback: Feedback) -> None:
    """Record ``feedback`` on ``text`` in the store at once, as the gateway does after the turn."""
    if feedback.kind == "similar":
        entry = next(entry for entry in store.current().entries if entry.id == feedback.entry_id)
        if (extended := entry.with_learned([text])) != entry:
            store.merge([extended], keep_learned=False)
        return
    negatives = {key: set(ids) for key, ids in store.negatives().items()}
    negatives.setdefault(question_key(text), set()).add(feedback.entry_id)
    store.set_negatives({key: sorted(ids) for key, ids in negatives.items()})


# What `kefu eval` shows of the replay; off-topic answers too, as a learned wording may attract them.
LEARNING_REPORTED = ("top1", "reach", "wrong_answer_rate", "offtopic_answer_rate")


@dataclass(frozen=True)
class LearningFigures:
    """The asked half of a replayed week on the KB as it was, and after the fed half's picks and ratings."""

    before: KBFigures
    after: KBFigures
    similar_learned: int
    negatives_learned: int

    def named(self) -> dict[str, float]:
        return {f"learning_{name}_{when}": getattr(figures, name)
                for name in LEARNING_REPORTED for when, figures in (("before", self.before), ("after", self.after))}


def learning_replay(entries: list[KBEntry], week: list[Wording], settings: Settings,
                    encoder: Encoder) -> LearningFigures:
    """Feed half of ``week`` to a bot on ``entries`` as its customers would, one at a time; ask the other half.

    Each fed wording is looked up on the KB as learned so far (a lesson is indexed at once), and its
    customer's pick or rating is learned. The asked half needs answerable and off-topic wordings.
    """
    fed, asked = split_week(week)
    bands = Bands.from_settings(settings)
    with tempfile.TemporaryDirectory(prefix="kefu-replay-") as root:
        store = KBStore(Path(root), encoder, settings.kb_index_type)
        store.replace(entries)

        def figures() -> KBFigures:
            return kb_figures([(lookup_on(store, text, settings).hits, meant) for text, meant in asked], bands)

        before = figures()
        lessons = Counter[str]()
        for text, meant in fed:
            if (feedback := customer_feedback(lookup_on(store, text, settings), meant)) is not None:
                learn(store, text, feedback)
                lessons[feedback.kind] += 1
        return LearningFigures(before, figures(), lessons["similar"], lessons["negative"])


def evaluate(settings: Settings, encoder: Encoder) -> dict[str, float]:
    lcqmc = read_pairs(settings.eval_dir / "lcqmc_test.tsv")
    kb_entries = load_jsonl_file(str(settings.kb_seed_file))
    own = held_out_figures(kb_entries, settings, encoder)
    return {
        "lcqmc_recall_at_1": recall_at_1(lcqmc, encoder, settings),
        "lcqmc_pair_acc": pair_accuracy(lcqmc, encoder, settings),
        "bq_pair_acc": pair_accuracy(read_pairs(settings.eval_dir / "bq_test.csv"), encoder, settings),
        "atec_pair_acc": pair_accuracy(read_pairs(settings.eval_dir / "atec_ccks_test.tsv"), encoder, settings),
        **own.named("own_kb"),
        **foreign_kb(settings, encoder).named("other_kb"),
        **learning_replay(kb_entries, read_week(), settings, encoder).named(),
    }
