"""Threshold calibration on rows the evaluation never reports."""

from __future__ import annotations

from kb_index.calibration import best_threshold, calibration_cases, calibration_split
from kb_index.encoders import Encoder
from kb_index.entries import KBEntry
from kb_index.evaluation import out_of_scope_for_calibration, out_of_scope_for_report
from kefu.settings import Settings


def test_calibration_never_sees_a_reported_row() -> None:
    entry = KBEntry("a", "怎么退款", "答", similar=("退款怎么弄", "钱怎么退回来", "退款流程是什么"))
    (kept,), asked = calibration_split([entry])
    assert kept.questions == ("怎么退款", "退款怎么弄")
    assert asked == [("钱怎么退回来", "a")]  # the last one, 退款流程是什么, is the evaluation's
    calibration, report = set(out_of_scope_for_calibration()), set(out_of_scope_for_report())
    assert calibration and report and not calibration & report


def test_best_threshold_separates_answerable_from_unanswerable() -> None:
    answerable = [(True, 0.8), (True, 0.75), (True, 0.7), (False, 0.9)]
    unanswerable = [0.4, 0.5, 0.6, 0.62]
    assert 0.62 < best_threshold(answerable, unanswerable) <= 0.7


def test_a_wrong_first_entry_counts_as_unanswered_at_any_threshold() -> None:
    # Only wrongly ranked answers score high: refusing everything is best.
    assert best_threshold([(False, 0.9)], [0.5]) == 0.51


def test_calibration_cases_score_paraphrases_above_off_topic_questions(enc: Encoder) -> None:
    entries = [
        KBEntry("refund", "退款多久能到账", "答", similar=("退款什么时候到账", "钱多久退回来", "退款几天到")),
        KBEntry("invoice", "怎么开发票", "答", similar=("发票怎么开", "开票流程", "我要开发票")),
        KBEntry("solo", "会员积分怎么用", "答"),  # no similar question to spare: not asked
    ]
    answerable, unanswerable = calibration_cases(entries, ["今天天气怎么样", "给我讲个笑话"], enc, Settings())
    assert len(answerable) == 2 and len(unanswerable) == 2
    assert all(right for right, _ in answerable)
    assert min(score for _, score in answerable) > max(unanswerable)
