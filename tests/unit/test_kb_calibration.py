"""Calibrating the bands on rows the evaluation never reports."""

from __future__ import annotations

from difflib import SequenceMatcher

from kb_index.calibration import (
    CalibrationKB,
    answer_bands,
    calibration_cases,
    held_out_folds,
    off_topic_questions,
    suggest_threshold,
    written_off_topic_questions,
)
from kb_index.decision import Bands
from kb_index.encoders import Encoder
from kb_index.entries import KBEntry
from kb_index.evaluation import Case, out_of_scope_for_report
from kb_index.index import Hit, index_text
from kefu.settings import Settings

ENTRY = KBEntry("a", "怎么退款", "答", similar=("退款怎么弄", "钱怎么退回来", "退款流程是什么"))


def test_folds_never_ask_or_keep_what_the_evaluation_asks() -> None:
    folds = held_out_folds(CalibrationKB("own", [ENTRY], reported=1))
    assert [asked for _, asked in folds] == [[("退款怎么弄", "a")], [("钱怎么退回来", "a")]]
    assert [kept.questions for (kept,), _ in folds] == [("怎么退款", "钱怎么退回来"), ("怎么退款", "退款怎么弄")]
    # 退款流程是什么 is the evaluation's: neither asked nor in any calibration KB.


def test_without_a_reported_question_every_similar_question_takes_its_turn() -> None:
    folds = held_out_folds(CalibrationKB("other", [ENTRY], reported=0))
    assert [asked for _, asked in folds] == [[(question, "a")] for question in ENTRY.similar]
    assert all(asked[0][0] not in kept.questions for (kept,), asked in folds)


def test_off_topic_rows_are_many_and_none_written_for_calibration_is_a_reported_one_reworded() -> None:
    assert len(set(off_topic_questions())) >= 100
    calibration = {index_text(text) for text in written_off_topic_questions()}
    reported = {index_text(text) for text in out_of_scope_for_report()}
    assert not [(ours, theirs) for ours in calibration for theirs in reported
                if SequenceMatcher(None, ours, theirs).ratio() >= 0.8]


RIGHT, WRONG, OTHER = (KBEntry(name, name, "答") for name in ("right", "wrong", "other"))


def case(best: KBEntry, score: float, gap: float = 0.25, expected: str | None = "right") -> Case:
    """A question whose best entry scores ``score`` and leads ``OTHER`` by ``gap``."""
    return [Hit(best, score, score, 0.0, False), Hit(OTHER, score - gap, score - gap, 0.0, False)], expected


def off_topic(score: float) -> Case:
    return case(WRONG, score, expected=None)


def test_the_answer_cut_is_the_lowest_that_keeps_answers_right() -> None:
    cases = [case(RIGHT, 0.8)] * 6 + [case(RIGHT, 0.6)] * 2 + [case(WRONG, 0.7)] * 2 + [off_topic(0.5)] * 3
    assert answer_bands([cases], max_wrong=0.0, max_choices=3) == Bands(0.71, 0.71, 0.0, 3)
    # Allowing one wrong answer in five lets the cut down to the off-topic questions.
    assert answer_bands([cases], max_wrong=0.2, max_choices=3) == Bands(0.51, 0.51, 0.0, 3)


def test_a_margin_is_chosen_when_wrong_answers_come_with_close_runners_up() -> None:
    cases = [case(RIGHT, 0.8)] * 6 + [case(RIGHT, 0.6)] * 2 + [case(WRONG, 0.85, gap=0.045)] * 2
    cases += [off_topic(0.5)] * 3
    # Any margin from 0.05 up keeps the wrong ones out at the lowest cut; the smallest is kept.
    assert answer_bands([cases], max_wrong=0.0, max_choices=3) == Bands(0.51, 0.51, 0.05, 3)


def test_the_answer_cut_holds_on_every_kb() -> None:
    easy = [case(RIGHT, 0.8), off_topic(0.4)]
    hard = [case(RIGHT, 0.8), case(WRONG, 0.6), off_topic(0.4)]
    assert answer_bands([easy], 0.0, 3).answer == 0.41
    assert answer_bands([easy, hard], 0.0, 3).answer == 0.61


SCORED = [case(RIGHT, score) for score in (0.45, 0.55, 0.65)] + [off_topic(score) for score in (0.40, 0.50)]
# From 0.51 up to 0.55 two of three are reached and no off-topic question is offered anything
# (J = 0.67); from 0.41 to 0.45 all three are reached but the 0.50 one is offered (J = 0.5).


def test_the_suggest_cut_maximises_reach_minus_off_topic_suggestions() -> None:
    assert suggest_threshold([SCORED * 100], Bands(0.7, 0.7, 0.1, 3)) == 0.51


def test_among_cuts_within_noise_of_the_best_the_lowest_reaches_most() -> None:
    # Five rows cannot tell 0.5 from 0.67 (standard error 0.27).
    assert suggest_threshold([SCORED], Bands(0.7, 0.7, 0.1, 3)) == 0.41


def test_calibration_cases_score_paraphrases_above_off_topic_questions(enc: Encoder) -> None:
    entries = [
        KBEntry("refund", "退款多久能到账", "答", similar=("退款什么时候到账", "钱多久退回来", "退款几天到")),
        KBEntry("invoice", "怎么开发票", "答", similar=("发票怎么开", "开票流程", "我要开发票")),
        KBEntry("solo", "会员积分怎么用", "答"),  # no similar question to spare: not asked
    ]
    cases = calibration_cases(CalibrationKB("t", entries, reported=1), ["今天天气怎么样", "给我讲个笑话"], enc,
                              Settings())
    answerable = [(hits, expected) for hits, expected in cases if expected]
    off_topic = [hits for hits, expected in cases if expected is None]
    assert len(answerable) == 4 and len(off_topic) == 2
    assert all(hits[0].entry.id == expected for hits, expected in answerable)
    assert min(hits[0].score for hits, _ in answerable) > max(hits[0].score for hits in off_topic)
