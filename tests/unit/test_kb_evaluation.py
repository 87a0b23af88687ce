"""The evaluation helpers read the public formats and score pairs as the product does."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kb_index.decision import Bands
from kb_index.encoders import Encoder
from kb_index.entries import KBEntry, load_jsonl_file
from kb_index.evaluation import (
    FOREIGN_KB,
    FOREIGN_QUERIES,
    KBFigures,
    Pair,
    held_out_figures,
    kb_figures,
    out_of_scope_questions,
    read_pairs,
    recall_at_1,
)
from kb_index.index import Hit, KBIndex
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


BANDS = Bands(answer=0.7, suggest=0.5, margin=0.1, max_choices=3)
A, B, C, D = (KBEntry(name, name, "答") for name in "abcd")


def hits(*scored: tuple[KBEntry, float]) -> list[Hit]:
    return [Hit(entry, score, score, 0.0, False) for entry, score in scored]


def test_kb_figures_count_each_band_as_the_customer_sees_it() -> None:
    cases = [
        (hits((A, 0.9), (B, 0.5)), "a"),  # answered right
        (hits((B, 0.9), (A, 0.5)), "a"),  # answered with another entry
        (hits((B, 0.6), (A, 0.55)), "a"),  # offered among the choices: reached
        (hits((B, 0.6), (C, 0.55), (D, 0.5), (A, 0.45)), "a"),  # offered, but a was not among the three
        (hits((A, 0.4)), "a"),  # missed, though first
        (hits((B, 0.95), (C, 0.6)), None),  # off-topic, answered
        (hits((B, 0.6)), None),  # off-topic, offered
        (hits((B, 0.3)), None),  # off-topic, missed: right
    ]
    figures = kb_figures(cases, BANDS)
    assert figures == KBFigures(
        top1=2 / 5, joint=(2 + 1) / 8, reach=2 / 5, right_answer_rate=1 / 5, wrong_answer_rate=1 / 5,
        suggest_rate=2 / 5, offtopic_answer_rate=1 / 3, offtopic_suggest_rate=1 / 3,
    )
    assert figures.named("own_kb")["own_kb_wrong_answer_rate"] == 1 / 5


def test_held_out_figures_ask_each_entry_its_last_similar_question(enc: Encoder) -> None:
    entries = [
        KBEntry("refund", "退款多久能到账", "答", similar=("钱什么时候退回来", "退款几天能到账")),
        KBEntry("invoice", "怎么开发票", "答", similar=("发票怎么开",)),
    ]
    # The invoice entry keeps only its question, which its held-out "发票怎么开" matches well.
    figures = held_out_figures(entries, Settings(kb_answer_threshold=0.3, kb_suggest_threshold=0.3), enc)
    assert figures.top1 == 1.0 and figures.reach == 1.0 and figures.wrong_answer_rate == 0.0
    strict = held_out_figures(entries, Settings(kb_answer_threshold=0.99, kb_suggest_threshold=0.99), enc)
    assert strict.reach == 0.0 and strict.offtopic_answer_rate == 0.0 and strict.offtopic_suggest_rate == 0.0


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
