"""Confident learning against cleanlab as an oracle, plus toy cases, invariants and cross-validation."""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from labelwise.assist.crossval import cross_val_pred_proba, stratified_folds
from labelwise.assist.label_errors import (
    FILTERS,
    ConfidentLearning,
    calibrate_confident_joint,
    confident_joint,
    confident_thresholds,
    estimate_joint,
    find_label_errors,
    label_quality_scores,
)
from labelwise.assist.models.families import numeric_families

cleanlab_filter = pytest.importorskip("cleanlab.filter")
cleanlab_count = pytest.importorskip("cleanlab.count")
cleanlab_rank = pytest.importorskip("cleanlab.rank")


def noisy_probs(n: int, k: int, *, noise: float, seed: int, sharpness: float = 4.0, imbalance: bool = False,
                missing: int | None = None):
    """Labels with injected noise and model-like probabilities that mostly favour the true class."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(k) * (0.7 if imbalance else 50))
    if missing is not None:
        weights[missing] = 0
        weights /= weights.sum()
    truth = rng.choice(k, n, p=weights)
    labels = truth.copy()
    flip = rng.random(n) < noise
    labels[flip] = (truth[flip] + rng.integers(1, k, flip.sum())) % k
    if missing is not None:
        labels[labels == missing] = (missing + 1) % k
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), truth] += sharpness * rng.random(n)
    probs = np.exp(logits)
    return labels, probs / probs.sum(axis=1, keepdims=True), flip


SETTINGS = [
    dict(n=300, k=2, noise=0.1, seed=0),
    dict(n=500, k=3, noise=0.2, seed=1),
    dict(n=1000, k=10, noise=0.05, seed=2),
    dict(n=800, k=5, noise=0.3, seed=3, imbalance=True),
    dict(n=400, k=4, noise=0.1, seed=4, missing=2),
    dict(n=600, k=6, noise=0.15, seed=5, sharpness=1.0),
]


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: f"n{s['n']}-k{s['k']}-s{s['seed']}")
@pytest.mark.parametrize("filter_by", FILTERS)
def test_flags_the_same_items_as_cleanlab(setting, filter_by):
    labels, probs, _ = noisy_probs(**setting)
    options = [(1, 1.0)] + ([(5, 1.0), (1, 0.5), (20, 0.8)] if filter_by not in ("confident_learning",
                                                                                 "predicted_neq_given") else [])
    for min_examples, frac_noise in options:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = cleanlab_filter.find_label_issues(labels, probs, filter_by=filter_by, n_jobs=1,
                                                         min_examples_per_class=min_examples,
                                                         frac_noise=frac_noise)
        ours = ConfidentLearning(filter_by=filter_by, min_examples_per_class=min_examples,
                                 frac_noise=frac_noise).fit_predict(labels, probs)
        assert np.array_equal(ours, expected), (min_examples, frac_noise)


@pytest.mark.parametrize("seed", [0, 9])
def test_flags_the_same_items_as_cleanlab_on_cross_validated_digits(seed):
    # Calibrated counts can land on exact halves, where the rounding depends on the float summation
    # order; with seed 9 a row-major confident joint flagged different items from cleanlab.
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(seed)
    noisy = y.copy()
    flip = rng.random(len(y)) < 0.1
    noisy[flip] = rng.integers(0, 10, flip.sum())
    with threadpool_limits(1):
        probs = cross_val_pred_proba(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
                                     X, noisy, seed=seed)
    for filter_by in FILTERS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = cleanlab_filter.find_label_issues(noisy, probs, filter_by=filter_by, n_jobs=1)
        assert np.array_equal(ConfidentLearning(filter_by=filter_by).fit_predict(noisy, probs), expected)
    assert np.array_equal(confident_joint(noisy, probs), cleanlab_count.compute_confident_joint(noisy, probs))


@pytest.mark.parametrize("setting", SETTINGS[:4], ids=lambda s: f"n{s['n']}-k{s['k']}")
@pytest.mark.parametrize("rank_by", ["self_confidence", "normalized_margin"])
def test_ranks_flagged_items_in_cleanlabs_order(setting, rank_by):
    labels, probs, _ = noisy_probs(**setting)
    expected = cleanlab_filter.find_label_issues(labels, probs, return_indices_ranked_by=rank_by, n_jobs=1,
                                                 filter_by="both")
    cl = ConfidentLearning(filter_by="both", rank_by=rank_by).fit(labels, probs)
    assert np.array_equal(cl.ranked_, expected)
    assert np.allclose(cl.scores_, cleanlab_rank.get_label_quality_scores(labels, probs, method=rank_by))


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: f"n{s['n']}-k{s['k']}-s{s['seed']}")
def test_thresholds_joint_and_calibration_match_cleanlab(setting):
    labels, probs, _ = noisy_probs(**setting)
    assert np.allclose(confident_thresholds(labels, probs), cleanlab_count.get_confident_thresholds(labels, probs))
    for calibrate in (False, True):
        assert np.array_equal(confident_joint(labels, probs, calibrate=calibrate),
                              cleanlab_count.compute_confident_joint(labels, probs, calibrate=calibrate))
    assert np.allclose(estimate_joint(labels, probs), cleanlab_count.estimate_joint(labels, probs))


def test_toy_case_flags_the_one_confidently_mislabeled_item_with_its_suspected_label():
    probs = np.array([[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.85, 0.1, 0.05],
                      [0.1, 0.85, 0.05], [0.05, 0.9, 0.05], [0.1, 0.8, 0.1],
                      [0.05, 0.05, 0.9], [0.1, 0.1, 0.8], [0.04, 0.06, 0.9]])
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 0])  # the last item looks like class 2
    for filter_by in FILTERS:
        cl = ConfidentLearning(filter_by=filter_by).fit(labels, probs)
        assert np.flatnonzero(cl.issues_).tolist() == [8], filter_by
        assert cl.suspected_labels_[8] == 2
        assert cl.ranked_.tolist() == [8]


def test_clean_confident_labels_flag_nothing():
    labels = np.repeat(np.arange(4), 25)
    probs = np.full((100, 4), 0.02)
    probs[np.arange(100), labels] = 0.94
    for filter_by in FILTERS:
        assert not ConfidentLearning(filter_by=filter_by).fit_predict(labels, probs).any()


def test_calibrated_joint_rows_sum_to_label_counts_and_joint_to_one():
    labels, probs, _ = noisy_probs(n=700, k=5, noise=0.2, seed=9, imbalance=True)
    cj = confident_joint(labels, probs)
    assert np.array_equal(cj.sum(axis=1), np.bincount(labels, minlength=5))
    assert np.isclose(estimate_joint(labels, probs).sum(), 1.0)
    assert np.array_equal(calibrate_confident_joint(cj, labels), cj)  # already calibrated: a fixed point


@pytest.mark.parametrize("filter_by", FILTERS)
def test_renaming_the_classes_flags_the_same_items(filter_by):
    labels, probs, _ = noisy_probs(n=600, k=5, noise=0.15, seed=11)
    perm = np.random.default_rng(0).permutation(5)  # class c becomes perm[c]
    renamed_probs = np.empty_like(probs)
    renamed_probs[:, perm] = probs
    a = ConfidentLearning(filter_by=filter_by).fit(labels, probs)
    b = ConfidentLearning(filter_by=filter_by).fit(perm[labels], renamed_probs)
    assert np.array_equal(a.issues_, b.issues_)
    assert np.array_equal(perm[a.suspected_labels_], b.suspected_labels_)


def test_stricter_filters_flag_subsets_and_fewer_with_less_noise_fraction():
    labels, probs, _ = noisy_probs(n=1000, k=4, noise=0.2, seed=12)
    flags = {f: ConfidentLearning(filter_by=f).fit_predict(labels, probs) for f in FILTERS}
    assert not (flags["both"] & ~flags["prune_by_class"]).any()
    assert not (flags["both"] & ~flags["prune_by_noise_rate"]).any()
    assert not (flags["prune_by_noise_rate"] & ~flags["predicted_neq_given"]).any()
    sizes = [ConfidentLearning(frac_noise=f).fit_predict(labels, probs).sum() for f in (0.25, 0.5, 0.75, 1.0)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_scores_are_in_unit_interval_and_order_by_self_confidence():
    labels, probs, _ = noisy_probs(n=200, k=3, noise=0.2, seed=13)
    for method in ("self_confidence", "normalized_margin"):
        scores = label_quality_scores(labels, probs, method=method)
        assert ((scores >= 0) & (scores <= 1)).all()
    with pytest.raises(ValueError):
        label_quality_scores(labels, probs, method="entropy")
    cl = ConfidentLearning().fit(labels, probs)
    assert (np.diff(cl.scores_[cl.ranked_]) >= 0).all()


def test_bad_input_is_rejected_with_a_clear_error():
    with pytest.raises(ValueError, match="one row per label"):
        ConfidentLearning().fit(np.array([0, 1]), np.ones((3, 2)) / 2)
    with pytest.raises(ValueError, match="integer codes"):
        ConfidentLearning().fit(np.array([0, 2]), np.ones((2, 2)) / 2)
    with pytest.raises(ValueError, match="unknown filter"):
        ConfidentLearning(filter_by="vote")


class _Spy(BaseEstimator, ClassifierMixin):
    """Predicts its training labels' frequencies and remembers every row it was trained on."""

    seen: list = []

    def fit(self, X, y):
        X = np.asarray(X).reshape(len(X), -1)
        self.classes_ = np.unique(y)
        self.freq_ = np.array([(y == c).mean() for c in self.classes_])
        _Spy.seen.append(set(X[:, 0].astype(int).tolist()))
        return self

    def predict_proba(self, X):
        X = np.asarray(X).reshape(len(X), -1)
        assert not set(X[:, 0].astype(int).tolist()) & _Spy.seen[-1]  # never predicts a training row
        return np.tile(self.freq_, (len(X), 1))


def test_cross_validation_is_out_of_sample_and_handles_rare_classes():
    labels = np.array([0] * 20 + [1] * 10 + [2] * 3 + [3])  # class 3 is a singleton, class 2 < n_folds
    X = np.arange(len(labels), dtype=float)[:, None]
    _Spy.seen = []
    probs = cross_val_pred_proba(_Spy(), X, labels, n_folds=5, seed=0)
    assert len(_Spy.seen) == 5
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert probs.shape == (34, 4)
    # Class 2's three items sit in three different folds, so every training part holds class 2.
    assert (probs[:, 2] > 0).all()
    assert probs[33, 3] == 0.0  # the singleton class is never in its own training part
    assert not ConfidentLearning().fit_predict(labels, probs)[33]  # and is not flagged for it
    _Spy.seen = []
    as_list = cross_val_pred_proba(_Spy(), [np.array(row) for row in X], labels, n_folds=5, seed=0)
    assert np.array_equal(as_list, probs)  # a plain sequence of items works the same


def test_folds_are_stratified_balanced_and_seeded():
    labels = np.random.default_rng(3).integers(0, 7, 503)
    folds = stratified_folds(labels, n_folds=5, seed=1)
    sizes = np.bincount(folds)
    assert sizes.max() - sizes.min() <= 1
    for c in range(7):
        per_fold = np.bincount(folds[labels == c], minlength=5)
        assert per_fold.max() - per_fold.min() <= 1
    assert np.array_equal(folds, stratified_folds(labels, n_folds=5, seed=1))
    assert not np.array_equal(folds, stratified_folds(labels, n_folds=5, seed=2))


def test_find_label_errors_recovers_injected_noise_on_wine():
    X, y = load_wine(return_X_y=True)
    rng = np.random.default_rng(0)
    noisy = y.copy()
    flip = rng.choice(len(y), 18, replace=False)
    noisy[flip] = (y[flip] + rng.integers(1, 3, len(flip))) % 3
    with threadpool_limits(1):
        found = find_label_errors(numeric_families(), X, noisy, seed=0)
    hits = np.isin(found.indices, flip)
    assert hits.mean() >= 0.8 and hits.sum() >= 0.8 * len(flip)
    assert np.array_equal(found.given, noisy[found.indices])
    assert (found.suspected[hits] == y[found.indices[hits]]).mean() >= 0.9  # suspected = the true label
    assert (np.diff(found.scores) >= 0).all()


def test_cross_validation_drives_the_built_in_text_model():
    # The built-in models take task dicts and learn string classes; columns still follow the codes.
    from labelwise.assist.models.text_classifier import TextClassifier

    rng = np.random.default_rng(0)
    words = {0: ["great", "love", "fine", "nice"], 1: ["awful", "hate", "bad", "poor"], 2: ["table", "chair", "lamp"]}
    labels = np.repeat(np.arange(3), 20)  # codes 0..2; "10"-style lexical order must not matter
    tasks = [{"text": " ".join(rng.choice(words[c], 4))} for c in labels]
    noisy = labels.copy()
    noisy[[0, 25, 45]] = [1, 2, 0]
    probs = cross_val_pred_proba(TextClassifier(field="text"), tasks, noisy, n_folds=5, seed=0)
    assert probs.shape == (60, 3) and np.allclose(probs.sum(axis=1), 1.0)
    assert (probs.argmax(axis=1) == labels).mean() > 0.9
    cl = ConfidentLearning().fit(noisy, probs)
    flagged = np.flatnonzero(cl.issues_)
    assert set(flagged) <= {0, 25, 45} and len(flagged) >= 2
    assert np.array_equal(cl.suspected_labels_[flagged], labels[flagged])
