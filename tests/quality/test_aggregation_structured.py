"""Multi-label, span, box, number and free-text aggregation."""

import numpy as np
import pytest

from labelwise.quality.aggregation import (
    AggregatedSpan,
    MultiLabelVote,
    aggregate_boxes,
    aggregate_numbers,
    aggregate_spans,
    aggregate_texts,
    box_iou,
    text_medoid,
)
from labelwise.quality.errors import QualityInputError

# ---------------------------------------------------------------- multi-label


def test_multilabel_vote_keeps_labels_most_annotators_chose():
    # Task 0: three annotators choose {0,1}, {0}, {0,2}; task 1: {2}, nothing, {2}.
    tasks = [0, 0, 0, 0, 0, 1, 1, 1]
    workers = [0, 0, 1, 2, 2, 0, 1, 2]
    labels = [0, 1, 0, 0, 2, 2, -1, 2]
    ml = MultiLabelVote().fit(tasks, workers, labels, n_labels=3)
    assert ml.labels_.tolist() == [[True, False, False], [False, False, True]]
    np.testing.assert_allclose(ml.probas_, [[1, 1 / 3, 1 / 3], [0, 0, 2 / 3]])
    # Of their 6 yes/no decisions, each worker gets one wrong (0: label 1, 1: label 2, 2: label 2).
    np.testing.assert_allclose(ml.skills_, [5 / 6, 5 / 6, 5 / 6])


def test_multilabel_half_support_is_not_enough():
    ml = MultiLabelVote().fit([0, 0], [0, 1], [1, -1], n_labels=2)
    assert not ml.labels_.any()


def test_multilabel_dawid_skene_outvotes_a_label_happy_annotator():
    rng = np.random.default_rng(0)
    n, k = 300, 4
    truth = rng.random((n, k)) < 0.3
    rows = []
    for t in range(n):
        for w in range(5):
            if w == 4:
                chosen = np.ones(k, dtype=bool)              # ticks every box
            else:
                chosen = truth[t] ^ (rng.random(k) < 0.1)
            picks = np.flatnonzero(chosen)
            rows += [(t, w, j) for j in picks] if len(picks) else [(t, w, -1)]
    tasks, workers, labels = map(np.array, zip(*rows))
    ds = MultiLabelVote(method="dawid_skene").fit(tasks, workers, labels, n_labels=k)
    vote = MultiLabelVote().fit(tasks, workers, labels, n_labels=k)
    assert (ds.labels_ == truth).mean() >= (vote.labels_ == truth).mean()
    assert (ds.labels_ == truth).mean() > 0.97
    assert np.argmin(ds.skills_) == 4
    assert ((ds.probas_ >= 0) & (ds.probas_ <= 1)).all()


def test_multilabel_bad_input():
    with pytest.raises(QualityInputError, match="no labels"):
        MultiLabelVote().fit([], [], [])
    with pytest.raises(QualityInputError, match="out of range"):
        MultiLabelVote().fit([0], [0], [4], n_labels=2)
    with pytest.raises(QualityInputError, match="at least 2 annotators"):
        MultiLabelVote(method="dawid_skene").fit([0, 1], [0, 0], [0, 1])


# ---------------------------------------------------------------- spans


def test_spans_keep_majority_positions_and_report_their_share():
    spans = aggregate_spans(
        [[(0, 5, "PER"), (6, 10, "LOC")], [(0, 5, "PER"), (6, 9, "LOC")], [(0, 4, "PER")]],
        length=12,
    )
    assert spans == [
        AggregatedSpan(0, 5, "PER", pytest.approx((4 * 1.0 + 2 / 3) / 5)),
        AggregatedSpan(6, 9, "LOC", pytest.approx(2 / 3)),
    ]


def test_adjacent_spans_of_one_label_stay_separate():
    out = aggregate_spans([[(0, 3, "X"), (3, 6, "X")], [(0, 3, "X"), (3, 6, "X")], [(0, 6, "X")]],
                          length=8)
    assert [(s.start, s.end) for s in out] == [(0, 3), (3, 6)]


def test_an_annotator_who_marked_nothing_votes_outside():
    assert aggregate_spans([[(0, 3, "X")], []], length=5) == []
    assert aggregate_spans([[(0, 3, "X")]], length=5) == [AggregatedSpan(0, 3, "X", 1.0)]


def test_overlapping_spans_of_one_annotator_count_once():
    out = aggregate_spans([[(0, 4, "X"), (2, 6, "X")], [], []], length=6)
    assert out == []  # one vote of three is not a majority, however many spans overlap


@pytest.mark.parametrize("bad", [[(3, 2, "X")], [(0, 9, "X")], [(0, 1)], [(-1, 2, "X")], [(0.5, 2, "X")]])
def test_bad_spans_are_rejected(bad):
    with pytest.raises(QualityInputError, match="Annotator 0"):
        aggregate_spans([bad], length=5)


def test_spans_need_annotators():
    with pytest.raises(QualityInputError, match="no annotators"):
        aggregate_spans([], length=5)


# ---------------------------------------------------------------- boxes


def test_box_iou():
    np.testing.assert_allclose(box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]]),
                               [[1 / 7, 1.0, 0.0]])


def test_boxes_are_matched_fused_and_filtered_by_support():
    boxes = [
        [[0, 0, 10, 10], [20, 20, 30, 30]],
        [[1, 1, 10, 11]],
        [[0, 0, 9, 10], [50, 50, 60, 60]],
    ]
    out = aggregate_boxes(boxes)
    assert len(out) == 1
    fused = out[0]
    assert fused.box == (0.0, 0.0, 10.0, 10.0)
    assert fused.support == 1.0
    assert sorted(fused.members) == [(0, 0), (1, 0), (2, 0)]
    assert fused.confidence == pytest.approx(fused.support * fused.mean_iou)
    singles = aggregate_boxes(boxes, min_share=0.3)
    assert len(singles) == 3 and singles[0] == fused


def test_at_most_one_box_per_annotator_per_cluster():
    # Annotator 0 drew two boxes on the same object; only one can join annotator 1's box.
    out = aggregate_boxes([[[0, 0, 10, 10], [0, 0, 10, 9]], [[0, 0, 10, 10]]], min_share=0.0)
    assert all(len({a for a, _ in f.members}) == len(f.members) for f in out)
    assert sorted(len(f.members) for f in out) == [1, 2]


def test_boxes_of_different_labels_never_match():
    out = aggregate_boxes([[[0, 0, 10, 10]], [[0, 0, 10, 10]]], labels=[["cat"], ["dog"]])
    assert sorted(f.label for f in out) == ["cat", "dog"]
    assert all(f.support == 0.5 for f in out)


def test_weighted_mean_fusion_leans_on_the_trusted_annotator():
    out = aggregate_boxes([[[0, 0, 10, 10]], [[1, 1, 11, 11]]], fusion="mean", weights=[3, 1])
    np.testing.assert_allclose(out[0].box, [0.25, 0.25, 10.25, 10.25])


@pytest.mark.parametrize("bad", [[[0, 0, 0, 5]], [[0, 0, 5]], [[0, np.nan, 1, 1]]])
def test_bad_boxes_are_rejected(bad):
    with pytest.raises(QualityInputError, match="Annotator 0"):
        aggregate_boxes([bad])


def test_box_arguments_are_checked():
    with pytest.raises(QualityInputError, match="no annotators"):
        aggregate_boxes([])
    with pytest.raises(QualityInputError, match="one label per box"):
        aggregate_boxes([[[0, 0, 1, 1]]], labels=[[]])
    assert aggregate_boxes([[], []]) == []


# ---------------------------------------------------------------- numbers


def test_numbers_median_resists_an_outlier():
    res = aggregate_numbers([0, 0, 0, 1, 1], [10.0, 10.2, 1000.0, 5.0, 5.0])
    np.testing.assert_allclose(res.values, [10.2, 5.0])
    np.testing.assert_allclose(res.confidences, [2 / 3, 1.0])
    np.testing.assert_allclose(res.spreads, [0.2, 0.0])
    assert res.counts.tolist() == [3, 2]


def test_numbers_trimmed_mean_and_mean():
    values = [1.0, 2.0, 3.0, 4.0, 100.0]
    assert aggregate_numbers([0] * 5, values, method="trimmed_mean", trim=0.2).values[0] == pytest.approx(3.0)
    assert aggregate_numbers([0] * 5, values, method="mean").values[0] == pytest.approx(22.0)


def test_numbers_even_count_median_and_absolute_tolerance():
    res = aggregate_numbers([0, 0, 0, 0], [1.0, 2.0, 3.0, 4.0], abs_tol=0.5, rel_tol=0.0)
    assert res.values[0] == 2.5 and res.confidences[0] == 0.5  # 2 and 3 are within 0.5


def test_numbers_task_without_answers_is_nan_with_zero_count():
    res = aggregate_numbers([1], [3.0], n_tasks=2)
    assert np.isnan(res.values[0]) and res.counts[0] == 0 and res.confidences[0] == 0.0
    assert res.values[1] == 3.0 and res.confidences[1] == 1.0


def test_numbers_bad_input():
    with pytest.raises(QualityInputError, match="finite"):
        aggregate_numbers([0, 0], [1.0, np.inf])
    with pytest.raises(QualityInputError, match="no answers"):
        aggregate_numbers([], [])
    with pytest.raises(QualityInputError, match="numbers"):
        aggregate_numbers([0], ["7"])
    with pytest.raises(QualityInputError, match="method"):
        aggregate_numbers([0], [1.0], method="mode")


# ---------------------------------------------------------------- free text


def test_medoid_normalises_case_and_spaces_before_comparing():
    from labelwise.quality.spatial_agreement import edit_similarity

    choice = text_medoid(["Hello  World", "hello world", "goodbye"])
    assert choice.index == 0
    assert choice.confidence == pytest.approx((1.0 + edit_similarity("hello world", "goodbye")) / 2)
    assert text_medoid(["Hello", "hello"], normalize=False).confidence == pytest.approx(0.8)


def test_text_medoid_picks_the_answer_closest_to_the_others():
    choice = text_medoid(["the quick brown fox", "the quick brown fax", "a quick brown fox", "lorem ipsum"])
    assert choice.index == 0 and choice.text == "the quick brown fox"
    assert 0 < choice.confidence < 1


def test_text_medoid_single_answer_and_bad_input():
    assert text_medoid(["only"]).confidence == 1.0
    with pytest.raises(QualityInputError):
        text_medoid([])
    with pytest.raises(QualityInputError, match="string"):
        text_medoid(["a", 3])


def test_aggregate_texts_per_task():
    out = aggregate_texts([1, 0, 1, 1], ["x", "solo", "abc", "abd"], n_tasks=3)
    assert out[0].text == "solo" and out[2] is None
    assert out[1].text == "abc" and out[1].index == 1
