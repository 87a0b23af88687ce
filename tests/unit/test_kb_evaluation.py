"""The evaluation helpers read the public formats and score pairs as the product does."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_index.encoders import Encoder, get_encoder
from kb_index.entries import KBEntry
from kb_index.evaluation import Pair, out_of_scope_questions, read_pairs, recall_at_1
from kb_index.index import KBIndex
from kefu.settings import Settings


@pytest.fixture(scope="module")
def enc() -> Encoder:
    return get_encoder("use")


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
