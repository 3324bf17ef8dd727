import numpy as np
import pytest

from labelwise.quality.errors import QualityInputError
from labelwise.quality.simulate import SCENARIOS, simulate_crowd


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_gives_a_valid_crowd(name):
    crowd = simulate_crowd(**SCENARIOS[name], seed=1)
    n_tasks, n_workers, k = crowd.sizes["n_tasks"], crowd.sizes["n_workers"], crowd.sizes["n_labels"]
    assert len(crowd.tasks) == len(crowd.workers) == len(crowd.labels)
    assert crowd.labels.min() >= 0 and crowd.labels.max() < k
    assert crowd.truth.shape == (n_tasks,) and crowd.workers.max() < n_workers
    np.testing.assert_allclose(crowd.confusion.sum(axis=2), 1.0)
    # No annotator labels a task twice.
    pairs = crowd.tasks * n_workers + crowd.workers
    assert len(np.unique(pairs)) == len(pairs)


def test_same_seed_same_crowd():
    a = simulate_crowd(**SCENARIOS["spammers"], seed=3)
    b = simulate_crowd(**SCENARIOS["spammers"], seed=3)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.truth, b.truth)


def test_long_tail_activity_leaves_many_annotators_with_few_labels():
    crowd = simulate_crowd(**SCENARIOS["sparse_workers"], seed=0)
    per_worker = np.bincount(crowd.workers)
    per_worker = per_worker[per_worker > 0]
    assert np.mean(per_worker <= 5) > 0.3
    assert per_worker.max() > 20 * np.median(per_worker)


def test_labels_per_task_range_and_class_priors():
    crowd = simulate_crowd(n_tasks=3000, n_workers=30, labels_per_task=(1, 3), class_priors=(0.9, 0.1), seed=2)
    per_task = np.bincount(crowd.tasks, minlength=3000)
    assert set(per_task.tolist()) == {1, 2, 3}
    assert sorted(np.bincount(crowd.truth) / 3000) == pytest.approx([0.1, 0.9], abs=0.02)


def test_spammers_and_adversaries_behave_as_named():
    crowd = simulate_crowd(n_tasks=3000, n_workers=20, n_classes=3, labels_per_task=10, spammer_share=0.25,
                           adversarial_share=0.25, accuracy=(0.8, 0.9), seed=4)
    assert (crowd.kind == "spammer").sum() == 5 and (crowd.kind == "adversarial").sum() == 5
    right = crowd.labels == crowd.truth[crowd.tasks]
    acc = np.bincount(crowd.workers, weights=right) / np.bincount(crowd.workers)
    assert np.allclose(acc[crowd.kind == "spammer"], 1 / 3, atol=0.05)
    assert (acc[crowd.kind == "adversarial"] < 0.05).all()
    assert (acc[crowd.kind == "normal"] > 0.75).all()
    assert crowd.accuracy(crowd.truth) == 1.0


def test_adjacent_confusion_errs_toward_neighbours():
    crowd = simulate_crowd(n_tasks=10, n_workers=3, n_classes=5, labels_per_task=3, confusion="adjacent", seed=0)
    row = crowd.confusion[0, 2]
    assert row[1] > row[0] and row[3] > row[4]


@pytest.mark.parametrize(
    "kwargs",
    [{"activity": "bursty"}, {"confusion": "random"}, {"n_classes": 1}, {"labels_per_task": 0},
     {"labels_per_task": 99, "n_workers": 5}, {"spammer_share": 0.7, "adversarial_share": 0.5},
     {"class_priors": (0.5, 0.5, 0.5)}],
)
def test_bad_arguments_are_rejected(kwargs):
    with pytest.raises(QualityInputError):
        simulate_crowd(**kwargs)
