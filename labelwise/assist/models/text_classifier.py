"""Text classification, single- or multi-label: TF-IDF word (1-2) and character (2-5) n-grams feeding a
linear SVM calibrated by Platt scaling (`CalibratedClassifierCV`), so scores are usable probabilities
for pre-labeling thresholds and active learning (Platt 1999; Niculescu-Mizil & Caruana, ICML 2005).

Multi-label is one calibrated binary model per option (binary relevance).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from labelwise.assist.models._base import BuiltinModel, texts_of

_CALIBRATION_FOLDS = 3


class TextClassifier(BuiltinModel):
    """Classify the text in `data[field]`.

    Labels are option names (single-label) or lists of option names (`multi_label=True`). A
    multi-label prediction holds every option whose probability is at least `threshold`.
    """

    def __init__(self, *, field: str | None = "text", multi_label: bool = False, threshold: float = 0.5,
                 C: float = 1.0, max_features: int = 100_000, seed: int = 0) -> None:
        self.field = field
        self.multi_label = multi_label
        self.threshold = threshold
        self.C = C
        self.max_features = max_features
        self.seed = seed

    @property
    def kind(self) -> str:  # type: ignore[override]
        return "multilabel" if self.multi_label else "choices"

    def fit(self, tasks_data: Sequence[Any], labels: Sequence[Any], *,
            sample_weight: Sequence[float] | None = None) -> TextClassifier:
        """`sample_weight` (single-label only) weighs each example, e.g. a label model's confidence."""
        texts = texts_of(tasks_data, self.field)
        if len(texts) != len(labels) or not texts:
            raise ValueError("fit needs as many labels as tasks, and at least one task")
        self.features_ = _features(self.max_features).fit(texts)
        x = self.features_.transform(texts)
        if self.multi_label:
            self.classes_ = np.array(sorted({str(o) for row in labels for o in row}), dtype=object)
            y = np.array([[c in set(map(str, row)) for c in self.classes_] for row in labels], dtype=int)
            self.estimators_ = [_fit_binary(x, y[:, j], self.C, self.seed) for j in range(len(self.classes_))]
        else:
            y = np.array([str(v) for v in labels], dtype=object)
            self.classes_ = np.array(sorted(set(y)), dtype=object)
            weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
            self.estimators_ = [_fit_multiclass(x, y, self.C, self.seed, weight)]
        return self

    def predict_proba(self, tasks_data: Sequence[Any]) -> np.ndarray:
        """(n_tasks, n_classes): class probabilities (rows sum to 1), or per-option probabilities
        when multi-label."""
        self._check_fitted()
        x = self.features_.transform(texts_of(tasks_data, self.field))
        if self.multi_label:
            return np.column_stack([_positive_proba(est, x) for est in self.estimators_]) if len(self.classes_) \
                else np.zeros((x.shape[0], 0))
        est = self.estimators_[0]
        if isinstance(est, str):
            return np.ones((x.shape[0], 1))
        proba = est.predict_proba(x)
        # the estimator's classes_ equal ours (both sorted), but reorder defensively
        order = [list(est.classes_).index(c) for c in self.classes_]
        return proba[:, order]

    def predict(self, tasks_data: Sequence[Any]) -> list[Any]:
        proba = self.predict_proba(tasks_data)
        if self.multi_label:
            return [[str(c) for c, p in zip(self.classes_, row) if p >= self.threshold] for row in proba]
        return [str(self.classes_[i]) for i in proba.argmax(axis=1)]

    def to_predictions(self, tasks_data: Sequence[Any], *, control: str) -> list[dict[str, Any]]:
        """Prediction objects `{"result": {control: value}, "score", "scores"}` for a choices control
        (`value` is an option, or a list of options when multi-label)."""
        proba = self.predict_proba(tasks_data)
        out = []
        for row in proba:
            scores = {str(c): float(p) for c, p in zip(self.classes_, row)}
            if self.multi_label:
                value = [c for c, p in scores.items() if p >= self.threshold]
                # confidence of the whole decision: the least sure of the per-option yes/no calls
                score = float(np.min(np.maximum(row, 1 - row))) if len(row) else 1.0
            else:
                value = str(self.classes_[int(row.argmax())])
                score = float(row.max())
            out.append({"result": {control: value}, "score": score, "scores": scores})
        return out

    def transform(self, tasks_data: Sequence[Any]):
        """The TF-IDF feature matrix (sparse, rows L2-normalised per block), e.g. for diversity sampling."""
        self._check_fitted()
        return self.features_.transform(texts_of(tasks_data, self.field))


def text_features(tasks_data: Sequence[Any], *, field: str | None = "text", max_features: int = 100_000):
    """The classifier's TF-IDF features fitted on these tasks alone (no labels needed)."""
    return _features(max_features).fit_transform(texts_of(tasks_data, field)).tocsr()


def _features(max_features: int) -> FeatureUnion:
    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=max_features,
                                 token_pattern=r"(?u)\b\w+\b")),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                 max_features=max_features)),
    ])


def _fit_multiclass(x, y: np.ndarray, C: float, seed: int, sample_weight: np.ndarray | None = None):
    counts = Counter(y)
    if len(counts) == 1:
        return str(next(iter(counts)))  # one class seen: it is always the answer
    folds = min(_CALIBRATION_FOLDS, min(counts.values()))
    if folds >= 2:
        return CalibratedClassifierCV(LinearSVC(C=C, random_state=seed), method="sigmoid", cv=folds).fit(
            x, y, sample_weight=sample_weight)
    # a class with a single example cannot be split for calibration; logistic regression is
    # probabilistic by construction
    return LogisticRegression(C=10 * C, max_iter=1000).fit(x, y, sample_weight=sample_weight)


def _fit_binary(x, y: np.ndarray, C: float, seed: int):
    positives = int(y.sum())
    if positives in (0, len(y)):
        return float(positives > 0)
    return _fit_multiclass(x, y, C, seed)


def _positive_proba(est, x) -> np.ndarray:
    if isinstance(est, float):
        return np.full(x.shape[0], est)
    return est.predict_proba(x)[:, list(est.classes_).index(1)]
