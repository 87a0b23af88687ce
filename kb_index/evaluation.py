"""Measuring retrieval and the miss decision on public question pairs and on our own KB.

Test files are only ever read here, for reporting; nothing is tuned on them.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb_index.decision import decide
from kb_index.encoders import Encoder
from kb_index.entries import KBEntry, load_jsonl_file
from kb_index.index import Hit, KBIndex
from kefu.settings import PROJECT_ROOT, Settings

OUT_OF_SCOPE_EXAMPLES = PROJECT_ROOT / "bot" / "data" / "nlu" / "out_of_scope.yml"
# A telecom KB (another business, imported as is) and paraphrased or off-topic questions about it.
FOREIGN_KB = PROJECT_ROOT / "tests" / "data" / "other_kb.jsonl"
FOREIGN_QUERIES = PROJECT_ROOT / "tests" / "data" / "other_kb_queries.jsonl"
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


def own_kb(settings: Settings, encoder: Encoder) -> tuple[float, float]:
    """(top-1, joint accuracy) on our KB with each entry's last similar question held out."""
    return held_out_kb(load_jsonl_file(str(settings.kb_seed_file)), settings, encoder)


def held_out_kb(entries: list[KBEntry], settings: Settings, encoder: Encoder) -> tuple[float, float]:
    """(top-1, joint accuracy) on ``entries`` with each entry's last similar question held out.

    Joint accuracy also counts off-topic questions, which must be misses.
    """
    held_out = [(entry.similar[-1], entry.id) for entry in entries if entry.similar]
    kept = [KBEntry(e.id, e.question, e.answer, e.category, e.similar[:-1]) for e in entries]
    return kb_accuracy(KBIndex.build(kept, encoder), held_out, out_of_scope_for_report(), settings)


def foreign_kb(settings: Settings, encoder: Encoder) -> tuple[float, float]:
    """(top-1, joint accuracy) on another business's KB imported as is, with its own test questions."""
    queries = [json.loads(line) for line in FOREIGN_QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    asked = [(query["query"], query["expected_id"]) for query in queries if query["expected_id"]]
    off_topic = [query["query"] for query in queries if not query["expected_id"]]
    return kb_accuracy(KBIndex.build(load_jsonl_file(str(FOREIGN_KB)), encoder), asked, off_topic, settings)


def kb_accuracy(
    index: KBIndex, asked: list[tuple[str, str]], off_topic: list[str], settings: Settings
) -> tuple[float, float]:
    """(right entry first, joint accuracy) of (question, entry id) pairs; off-topic questions must be misses."""

    def lookup(text: str):
        return decide(configured_search(index, text, settings), settings.kb_answer_threshold,
                      settings.kb_clarify_margin)

    answered = [(lookup(text), entry_id) for text, entry_id in asked]
    top1 = sum(bool(r.hits) and r.hits[0].entry.id == entry_id for r, entry_id in answered)
    right = sum(not r.miss and r.hits[0].entry.id == entry_id for r, entry_id in answered)
    refused = sum(lookup(text).miss for text in off_topic)
    return top1 / len(asked), (right + refused) / (len(asked) + len(off_topic))


def evaluate(settings: Settings, encoder: Encoder) -> dict[str, float]:
    lcqmc = read_pairs(settings.eval_dir / "lcqmc_test.tsv")
    own_top1, own_joint = own_kb(settings, encoder)
    foreign_top1, foreign_joint = foreign_kb(settings, encoder)
    return {
        "lcqmc_recall_at_1": recall_at_1(lcqmc, encoder, settings),
        "lcqmc_pair_acc": pair_accuracy(lcqmc, encoder, settings),
        "bq_pair_acc": pair_accuracy(read_pairs(settings.eval_dir / "bq_test.csv"), encoder, settings),
        "atec_pair_acc": pair_accuracy(read_pairs(settings.eval_dir / "atec_ccks_test.tsv"), encoder, settings),
        "own_kb_top1": own_top1,
        "own_kb_joint": own_joint,
        "other_kb_top1": foreign_top1,
        "other_kb_joint": foreign_joint,
    }
