"""Properties every categorical aggregator must have, and how each rejects bad input."""

import numpy as np
import pytest

import labelwise.quality.aggregation as aggregation
from labelwise.quality.aggregation import (
    GLAD,
    MACE,
    DawidSkene,
    MajorityVote,
    OneCoinDawidSkene,
    WeightedMajorityVote,
    encode,
)
from labelwise.quality.errors import QualityInputError

ALL = [MajorityVote, WeightedMajorityVote, DawidSkene, OneCoinDawidSkene, GLAD, MACE]
SKILL_MODELS = [DawidSkene, OneCoinDawidSkene, GLAD, MACE]
# MACE's random restarts are drawn per worker and label code, so relabelling changes which
# starts are tried; the equivariance tests use its deterministic majority-vote start only.
DETERMINISTIC = [MajorityVote, WeightedMajorityVote, DawidSkene, OneCoinDawidSkene, GLAD,
                 lambda: MACE(n_restarts=0)]
IDS = ["mv", "wmv", "ds", "onecoin", "glad", "mace"]


def _drop_tied_tasks(tasks, workers, labels):
    """Keep tasks whose plain vote has a unique winner, so tie-breaks cannot differ."""
    counts = np.zeros((tasks.max() + 1, labels.max() + 1))
    np.add.at(counts, (tasks, labels), 1)
    top = np.sort(counts, axis=1)
    keep = (top[:, -1] > top[:, -2])[tasks]
    return tasks[keep], workers[keep], labels[keep]


@pytest.mark.parametrize("cls", ALL)
def test_probas_are_distributions_and_labels_their_argmax(cls, make_noisy):
    tasks, workers, labels, _ = make_noisy(n_tasks=200, n_labels=4, seed=1)
    model = cls().fit(tasks, workers, labels, n_tasks=210)
    assert model.probas_.shape == (210, 4)
    assert np.isfinite(model.probas_).all()
    np.testing.assert_allclose(model.probas_.sum(axis=1), 1.0)
    assert model.labels_.dtype.kind == "i"
    assert (model.labels_[200:] == -1).all()
    has = model.labels_ >= 0
    assert (model.probas_[has, model.labels_[has]] == model.probas_[has].max(axis=1)).all()
    assert ((model.skills_ >= 0) & (model.skills_ <= 1)).all()


@pytest.mark.parametrize("cls", DETERMINISTIC, ids=IDS)
def test_permuting_label_codes_permutes_the_output(cls, make_noisy):
    tasks, workers, labels, _ = make_noisy(n_tasks=150, n_labels=3, per_task=5, seed=2)
    tasks, workers, labels = _drop_tied_tasks(tasks, workers, labels)
    perm = np.array([2, 0, 1])
    a = cls().fit(tasks, workers, labels)
    b = cls().fit(tasks, workers, perm[labels])
    has_no_tie = (np.sort(a.probas_, axis=1)[:, -1] - np.sort(a.probas_, axis=1)[:, -2] > 1e-6) & (a.labels_ >= 0)
    np.testing.assert_allclose(b.probas_[:, perm], a.probas_, atol=1e-6)
    assert (b.labels_[has_no_tie] == perm[a.labels_[has_no_tie]]).all()
    np.testing.assert_allclose(b.skills_, a.skills_, atol=1e-6)


@pytest.mark.parametrize("cls", DETERMINISTIC, ids=IDS)
def test_permuting_workers_and_tasks_permutes_the_output(cls, make_noisy):
    tasks, workers, labels, _ = make_noisy(n_tasks=100, seed=3)
    tasks, workers, labels = _drop_tied_tasks(tasks, workers, labels)
    tperm = np.random.default_rng(0).permutation(100)
    wperm = np.array([4, 2, 0, 1, 3])
    order = np.random.default_rng(1).permutation(len(tasks))  # row order must not matter either
    a = cls().fit(tasks, workers, labels, n_tasks=100)
    b = cls().fit(tperm[tasks][order], wperm[workers][order], labels[order], n_tasks=100)
    np.testing.assert_allclose(b.probas_[tperm], a.probas_, atol=1e-6)
    np.testing.assert_allclose(b.skills_[wperm], a.skills_, atol=1e-6)


@pytest.mark.parametrize("cls", ALL)
def test_a_perfect_worker_gets_the_highest_skill(cls, make_noisy):
    tasks, workers, labels, truth = make_noisy(accuracies=(0.6, 1.0, 0.7, 0.55, 0.65), seed=4)
    model = cls().fit(tasks, workers, labels)
    assert np.argmax(model.skills_) == 1
    assert (model.labels_ == truth).mean() > 0.85


@pytest.mark.parametrize("cls", ALL)
def test_a_worker_without_judgements_gets_chance_skill(cls, make_noisy):
    tasks, workers, labels, _ = make_noisy(n_labels=4, seed=5)
    model = cls().fit(tasks, workers, labels, n_workers=6)
    assert model.skills_[5] == pytest.approx(0.25)


@pytest.mark.parametrize("cls", ALL)
def test_a_single_class_gives_that_class_with_certainty(cls):
    model = cls().fit([0, 0, 1, 1], [0, 1, 0, 1], [0, 0, 0, 0])
    assert model.labels_.tolist() == [0, 0]
    np.testing.assert_allclose(model.probas_, 1.0)
    np.testing.assert_allclose(model.skills_, 1.0)


@pytest.mark.parametrize("cls", ALL)
def test_fit_predict_and_fit_predict_proba_match_fit(cls, make_noisy):
    tasks, workers, labels, _ = make_noisy(n_tasks=50, seed=6)
    model = cls().fit(tasks, workers, labels)
    np.testing.assert_array_equal(cls().fit_predict(tasks, workers, labels), model.labels_)
    np.testing.assert_allclose(cls().fit_predict_proba(tasks, workers, labels), model.probas_)


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize(
    ("tasks", "workers", "labels", "sizes", "message"),
    [
        ([], [], [], {}, "no labels"),
        ([0, 1], [0, 1], [0], {}, "same length"),
        ([0, 0], [0, 1], [0, 3], {"n_labels": 3}, "out of range for n_labels=3"),
        ([0, 0], [0, 1], [0, -1], {}, "must be >= 0"),
        ([0, 0], [0, 5], [0, 1], {"n_workers": 2}, "out of range for n_workers=2"),
        ([0, 2], [0, 1], [0, 1], {"n_tasks": 2}, "out of range for n_tasks=2"),
        (["a", "b"], [0, 1], [0, 1], {}, "encode"),
        ([0, 0], [0, 1], [0.0, np.nan], {}, "integer codes"),
        ([[0, 0]], [[0, 1]], [[0, 1]], {}, "one-dimensional"),
    ],
)
def test_bad_input_raises_a_clear_error(cls, tasks, workers, labels, sizes, message):
    with pytest.raises(QualityInputError, match=message):
        cls().fit(tasks, workers, labels, **sizes)


@pytest.mark.parametrize("cls", SKILL_MODELS)
def test_skill_models_need_two_annotators(cls):
    with pytest.raises(QualityInputError, match="at least 2 annotators"):
        cls().fit([0, 1, 2], [3, 3, 3], [0, 1, 1])


def test_bad_hyperparameters_are_rejected():
    with pytest.raises(QualityInputError):
        MajorityVote(tie_break="highest")
    with pytest.raises(QualityInputError):
        MACE(method="gibbs")
    with pytest.raises(QualityInputError):
        DawidSkene(smoothing=-1)


def test_encode_codes_strings_and_decodes_results():
    enc = encode(["t2", "t1", "t2"], ["ann", "bob", "bob"], ["cat", "dog", "cat"])
    assert enc.task_ids == ["t1", "t2"] and enc.label_ids == ["cat", "dog"]
    assert enc.tasks.tolist() == [1, 0, 1] and enc.workers.tolist() == [0, 1, 1]
    assert enc.sizes == {"n_tasks": 2, "n_workers": 2, "n_labels": 2}
    labels = MajorityVote().fit_predict(enc.tasks, enc.workers, enc.labels, **enc.sizes)
    assert enc.decode_labels(labels) == ["dog", "cat"]
    assert enc.decode_labels([-1, 0], missing="?") == ["?", "cat"]


def test_encode_with_a_fixed_label_vocabulary_and_mixed_ids():
    enc = encode([1, "x", 1], [(1, 2), "w", "w"], ["b", "a", "b"], label_ids=["b", "a", "c"])
    assert enc.labels.tolist() == [0, 1, 0] and enc.sizes["n_labels"] == 3
    assert enc.task_ids == [1, "x"]  # not mutually comparable: first-appearance order
    with pytest.raises(QualityInputError, match="not in label_ids"):
        encode([0], [0], ["z"], label_ids=["a"])
    with pytest.raises(QualityInputError, match="same length"):
        encode([0, 1], [0], ["a"])
    with pytest.raises(QualityInputError, match="None"):
        encode([0, None], [0, 1], ["a", "b"])


def test_exports_match_all():
    public = {n for n, v in vars(aggregation).items()
              if not n.startswith("_") and not isinstance(v, type(aggregation))}
    assert set(aggregation.__all__) == public
    assert len(aggregation.__all__) == len(set(aggregation.__all__))
