"""Vote analysis checked against hand-computed numbers (definitions as Snorkel's LFAnalysis)."""

import numpy as np
import pytest

from labelwise.assist.weak import LabelingFunctionError, analyze_votes, conflicting_tasks, wilson_interval

# Five tasks, three functions, two classes; task 2 gets no votes, task 4 has no gold label.
L = np.array([
    [0, -1, 1],
    [0, 0, -1],
    [-1, -1, -1],
    [1, 1, 1],
    [1, -1, 0],
])
GOLD = np.array([0, 0, 1, 1, -1])


def test_coverage_overlap_conflict_by_hand():
    a = analyze_votes(L, gold=GOLD, n_classes=2)
    np.testing.assert_allclose(a.coverage, [4 / 5, 2 / 5, 3 / 5])
    np.testing.assert_allclose(a.overlap, [4 / 5, 2 / 5, 3 / 5])
    # Tasks 0 and 4 hold a 0-vote against a 1-vote: functions 0 and 2 conflict there.
    np.testing.assert_allclose(a.conflict, [2 / 5, 0, 2 / 5])
    assert a.polarity == [[0, 1], [0, 1], [0, 1]]
    assert (a.total_coverage, a.total_overlap, a.total_conflict) == (4 / 5, 4 / 5, 2 / 5)


def test_empirical_accuracy_confusion_and_interval_by_hand():
    a = analyze_votes(L, gold=GOLD, n_classes=2)
    assert a.n_labelled == 4
    assert a.n_votes.tolist() == [3, 2, 2]
    assert a.n_correct.tolist() == [3, 2, 1]
    np.testing.assert_allclose(a.accuracy, [1.0, 1.0, 0.5])
    assert a.confusion[2].tolist() == [[0, 1], [0, 1]]  # rows: truth, columns: vote
    assert a.confusion[0].tolist() == [[2, 0], [0, 1]]
    # Wilson 95% for 1 of 2: centre 0.5, half-width 0.4055.
    assert a.accuracy_low[2] == pytest.approx(0.0945, abs=1e-4)
    assert a.accuracy_high[2] == pytest.approx(0.9055, abs=1e-4)


def test_without_gold_accuracy_is_unknown():
    a = analyze_votes(L, n_classes=2)
    assert np.isnan(a.accuracy).all()
    assert a.accuracy_low.tolist() == [0, 0, 0] and a.accuracy_high.tolist() == [1, 1, 1]
    rows = a.rows(["a", "b", "c"])
    assert rows[0]["name"] == "a" and rows[0]["accuracy"] is None


def test_a_unipolar_function_has_one_polarity_and_a_silent_one_none():
    a = analyze_votes(np.array([[1, -1], [1, -1], [-1, -1]]), n_classes=2)
    assert a.polarity == [[1], []]
    assert a.coverage.tolist() == [2 / 3, 0.0]


def test_wilson_interval_known_values():
    low, high = wilson_interval([8], [10])
    assert low[0] == pytest.approx(0.4902, abs=1e-4) and high[0] == pytest.approx(0.9433, abs=1e-4)
    low, high = wilson_interval([0, 5], [0, 5])
    assert (low[0], high[0]) == (0.0, 1.0)
    assert high[1] == 1.0 and low[1] == pytest.approx(0.5655, abs=1e-4)


def test_conflicting_tasks_ranked_by_minority_votes_then_entropy():
    votes = np.array([
        [0, 0, 0, 1],   # one minority vote, entropy 0.811
        [0, 1, -1, -1],  # one minority vote, entropy 1
        [0, 0, 1, 1],   # two minority votes
        [1, 1, 1, -1],  # unanimous: left out
    ])
    ranked = conflicting_tasks(votes, n_classes=2)
    assert [t for t, _, _ in ranked] == [2, 1, 0]
    assert ranked[0][1] == 2 and ranked[1][2] == pytest.approx(1.0)
    assert conflicting_tasks(L, n_classes=2) == [(0, 1, 1.0), (4, 1, 1.0)]


def test_bad_gold_is_rejected():
    with pytest.raises(LabelingFunctionError, match="gold"):
        analyze_votes(L, gold=[0, 1], n_classes=2)
    with pytest.raises(LabelingFunctionError, match="gold"):
        analyze_votes(L, gold=[0, 0, 0, 0, 2], n_classes=2)
