"""The evaluation helpers read the public formats and score pairs as the product does."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kb_index.encoders import Encoder
from kb_index.entries import KBEntry, load_jsonl_file
from kb_index.evaluation import (
    FOREIGN_KB,
    FOREIGN_QUERIES,
    Pair,
    kb_accuracy,
    out_of_scope_questions,
    read_pairs,
    recall_at_1,
)
from kb_index.index import KBIndex
from kefu.settings import Settings


def test_read_pairs_skips_headers_in_every_format(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text('sentence1,sentence2,label\n"怎么还款,快吗",如何还款,1\n', encoding="utf-8")
    (tmp_path / "b.tsv").write_text("text_1\ttext_2\tlabel\n花呗怎么开\t借呗额度\t0\n", encoding="utf-8")
    (tmp_path / "c.tsv").write_text("英雄联盟\t英雄联盟最好英雄\t1\n", encoding="utf-8")
    assert read_pairs(tmp_path / "a.csv") == [Pair("怎么还款,快吗", "如何还款", True)]
    assert read_pairs(tmp_path / "b.tsv") == [Pair("花呗怎么开", "借呗额度", False)]
    assert read_pairs(tmp_path / "c.tsv") == [Pair("英雄联盟", "英雄联盟最好英雄", True)]


def test_pair_scores_match_what_search_reports(enc: Encoder) -> None:
    questions = ["退款多久能到账", "怎么开发票", "快递几天能到"]
    index = KBIndex.build([KBEntry(str(n), q, "答") for n, q in enumerate(questions)], enc)
    query = "退款什么时候到账"
    best = index.search(query, k=1)[0]
    assert not best.exact
    assert index.pair_scores([query], [int(best.entry.id)])[0] == pytest.approx(best.score, abs=1e-5)


def test_recall_at_1_counts_only_positive_pairs(enc: Encoder) -> None:
    pairs = [
        Pair("退款多久能到账", "退款多久能到账", True),
        Pair("怎么开发票", "怎么开发票", True),
        Pair("快递几天能到", "今天天气怎么样", False),
    ]
    assert recall_at_1(pairs, enc, Settings()) == 1.0


def test_out_of_scope_questions_come_from_the_nlu_data() -> None:
    questions = out_of_scope_questions()
    assert len(questions) >= 25 and all(q.strip() and not q.startswith("-") for q in questions)


def test_kb_accuracy_counts_first_places_answers_and_refusals(enc: Encoder) -> None:
    entries = [
        KBEntry("refund", "退款多久能到账", "答", similar=("钱什么时候退回来",)),
        KBEntry("invoice", "怎么开发票", "答"),
    ]
    index = KBIndex.build(entries, enc)
    asked = [("退款多久能到账", "refund"), ("怎么开发票", "invoice"), ("发票如何开具", "invoice")]
    # Only an exact question (score 1) clears 0.99: the paraphrase is found first but refused.
    settings = Settings(kb_answer_threshold=0.99)
    top1, joint = kb_accuracy(index, asked, ["今天天气怎么样"], settings)
    assert top1 == 1.0
    assert joint == pytest.approx(3 / 4)


def test_foreign_kb_questions_point_at_its_entries() -> None:
    ids = {entry.id for entry in load_jsonl_file(str(FOREIGN_KB))}
    queries = [json.loads(line) for line in FOREIGN_QUERIES.read_text(encoding="utf-8").splitlines()]
    expected = [query["expected_id"] for query in queries]
    assert {entry_id for entry_id in expected if entry_id} == ids
    assert expected.count(None) >= 10  # off-topic questions that must be misses


def test_pair_scores_blend_the_row_with_its_entry_direction(enc: Encoder) -> None:
    entries = [KBEntry("a", "退款多久能到账", "答", similar=("钱什么时候退回来", "退货后多久退款"))]
    index = KBIndex.build(entries, enc)
    query = "退款要等几天"
    vector = enc.encode(["退款要等几天"])[0]
    centroid = index.vectors.sum(axis=0) / np.linalg.norm(index.vectors.sum(axis=0))
    assert index.entry_cosines(vector, [0])[0] == pytest.approx(float(centroid @ vector), abs=1e-5)
    only_row = index.pair_scores([query], [1], dense_weight=1.0, centroid_weight=0.0)[0]
    only_entry = index.pair_scores([query], [1], dense_weight=1.0, centroid_weight=1.0)[0]
    assert only_row == pytest.approx(float(index.vectors[1] @ vector), abs=1e-5)
    assert only_entry == pytest.approx(float(centroid @ vector), abs=1e-5)
