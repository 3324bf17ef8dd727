"""The label-error detector's models: the families per data type, records as a number matrix, and the
mean of their cross-validated probabilities (flagged as cleanlab flags them on the same probabilities)."""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_wine
from threadpoolctl import threadpool_limits

from labelwise.assist.crossval import cross_val_mean_proba, cross_val_pred_proba
from labelwise.assist.label_errors import ConfidentLearning
from labelwise.assist.models.families import KERNEL_SVM_MAX_ROWS, detector_models
from labelwise.assist.models.tabular_classifier import RecordMatrix

cleanlab_filter = pytest.importorskip("cleanlab.filter")


class Constant(ClassifierMixin, BaseEstimator):
    """Predicts the same distribution for every item: a known answer for the mean."""

    def __init__(self, proba=(0.5, 0.5)):
        self.proba = proba

    def fit(self, X, y):
        self.classes_ = np.arange(len(self.proba))
        return self

    def predict_proba(self, X):
        return np.tile(self.proba, (len(X), 1))


def test_record_matrix_one_hots_categories_and_fills_missing_numbers():
    rows = [{"age": 30, "colour": "red"}, {"age": "", "colour": "blue"}, {"age": "50", "colour": None},
            {"age": 40, "colour": "red"}]
    m = RecordMatrix().fit(rows)
    x = m.transform(rows + [{"age": 10, "colour": "green"}])
    # age, age missing?, then red/blue one-hot (most frequent first); an unseen or empty colour is all zeros
    assert x.tolist() == [[30, 0, 1, 0], [40, 1, 0, 1], [50, 0, 0, 0], [40, 0, 1, 0], [10, 0, 0, 0]]
    assert RecordMatrix(field="row").fit([{"row": r} for r in rows]).transform([{"row": rows[0]}]).shape == (1, 4)
    with pytest.raises(ValueError, match="record"):
        RecordMatrix().fit(["not a record"])


def test_mean_probabilities_average_the_models_on_the_same_folds_and_report_every_fold():
    labels = np.array([0, 1] * 10)
    X = np.zeros((20, 1))
    calls = []
    mean = cross_val_mean_proba([Constant((0.2, 0.8)), Constant((0.6, 0.4))], X, labels, n_folds=4,
                                on_fold=lambda done, total: calls.append((done, total)))
    assert np.allclose(mean, [0.4, 0.6])
    assert calls == [(i, 8) for i in range(1, 9)]
    with pytest.raises(ValueError, match="estimator"):
        cross_val_mean_proba([], X, labels)


def test_detector_models_per_object_type():
    assert len(detector_models("text", field="text")) == 3 and len(detector_models("table", field=None)) == 4
    large = detector_models("table", field=None, rows=KERNEL_SVM_MAX_ROWS + 1)
    assert len(large) == 3 and not any("SVC" in repr(m) for m in large)
    with pytest.raises(ValueError, match="image"):
        detector_models("image", field="image")


def test_table_detector_flags_injected_errors_as_cleanlab_does_on_the_same_probabilities():
    X, y = load_wine(return_X_y=True)
    rng = np.random.default_rng(0)
    noisy = y.copy()
    flip = rng.choice(len(y), 18, replace=False)
    noisy[flip] = (y[flip] + rng.integers(1, 3, len(flip))) % 3
    records = [{f"f{j}": float(v) for j, v in enumerate(row)} for row in X]
    with threadpool_limits(1):
        probs = cross_val_mean_proba(detector_models("table", field=None), records, noisy, seed=0)
        # the families on the matrix give the same probabilities: the records are only re-encoded
        assert np.allclose(probs, np.mean([cross_val_pred_proba(m[1:], X, noisy, seed=0)
                                           for m in detector_models("table", field=None)], axis=0))
    cl = ConfidentLearning().fit(noisy, probs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cleanlab_filter.find_label_issues(noisy, probs, filter_by=cl.filter_by, n_jobs=1)
    assert np.array_equal(cl.issues_, expected)
    truth = noisy != y
    assert (cl.issues_ & truth).sum() >= 0.8 * truth.sum() and (cl.issues_ & ~truth).sum() <= 3
