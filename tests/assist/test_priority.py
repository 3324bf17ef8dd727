import pytest

from labelwise.assist.active import in_random_slice, prediction_uncertainty, task_priority


def test_uncertainty_from_a_class_distribution_a_multilabel_answer_or_a_bare_score():
    assert prediction_uncertainty({"a": 0.5, "b": 0.5}) == pytest.approx(1.0)
    assert prediction_uncertainty({"a": 0.9, "b": 0.1}) == pytest.approx(0.2)
    # per-option probabilities (they do not sum to 1): the least sure option decides
    assert prediction_uncertainty({"x": 0.95, "y": 0.55, "z": 0.9}) == pytest.approx(0.9)
    assert prediction_uncertainty(None, 0.8) == pytest.approx(0.2)
    assert prediction_uncertainty({"a": "high"}, None) is None
    assert prediction_uncertainty({"a": 1.7, "b": -0.7}, None) is None
    assert prediction_uncertainty(None, True) is None


def test_random_slice_has_the_share_and_is_stable():
    ids = range(1, 20001)
    share = sum(in_random_slice(i, 0.1) for i in ids) / 20000
    assert share == pytest.approx(0.1, abs=0.005)
    assert [in_random_slice(i, 0.1) for i in range(1, 50)] == [in_random_slice(i, 0.1) for i in range(1, 50)]
    assert not any(in_random_slice(i, 0.0) for i in ids)


def test_priorities_rank_uncertain_tasks_first_and_spread_the_random_slice():
    sure, unsure = {"a": 0.99, "b": 0.01}, {"a": 0.55, "b": 0.45}
    outside = [i for i in range(1, 200) if not in_random_slice(i, 0.1)]
    assert task_priority(outside[0], unsure) > task_priority(outside[1], sure)
    randoms = [task_priority(i, sure) for i in range(1, 20001) if in_random_slice(i, 0.1)]
    assert min(randoms) >= 0 and max(randoms) < 1
    # uniform over [0, 1): each tenth of the range holds about a tenth of the slice
    for lo in (0.0, 0.5, 0.9):
        assert sum(lo <= r < lo + 0.1 for r in randoms) / len(randoms) == pytest.approx(0.1, abs=0.02)
    assert 0 <= task_priority(outside[0], None, None) < 1  # no usable score: a neutral, hashed place
