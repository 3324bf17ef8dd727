"""The model families whose out-of-sample probabilities label-error detection averages.

One model's probabilities carry its own blind spots: items it cannot fit look mislabeled and errors it
fits look fine. Averaging the probabilities of models that err differently (linear, neighbours, trees and
kernels for numbers; a calibrated linear SVM, logistic regression and naive Bayes for text) gives better
calibrated, better ranked probabilities, which is what confident learning needs (Northcutt, Jiang &
Chuang, JAIR 2021, §5 shows its results track probability quality; Dietterich, "Ensemble methods in
machine learning", 2000, for why averaging helps). The families depend on the data type only, never
on a data set.
"""

from __future__ import annotations

from typing import Any

from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from labelwise.assist.models._base import texts_of
from labelwise.assist.models.tabular_classifier import RecordMatrix
from labelwise.assist.models.text_classifier import TextClassifier

__all__ = ["KERNEL_SVM_MAX_ROWS", "detector_models", "numeric_families", "text_families"]

# A kernel SVM's fit grows about quadratically with the rows (and calibration fits it once per inner fold,
# inside every outer fold): above this many labeled rows it is left out so a large project's detection
# job stays within minutes. Every benchmark and validation set is below it, so no figure depends on it.
KERNEL_SVM_MAX_ROWS = 5_000


def numeric_families(*, seed: int = 0, rows: int = 0) -> list[Any]:
    """Classifiers of a number matrix: standardised logistic regression, distance-weighted
    10-nearest neighbours, 200 extremely randomised trees and, for at most `KERNEL_SVM_MAX_ROWS` rows,
    an RBF SVM with Platt-scaled scores."""
    models: list[Any] = [
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=10, weights="distance")),
        ExtraTreesClassifier(n_estimators=200, random_state=seed, n_jobs=1),
    ]
    if rows <= KERNEL_SVM_MAX_ROWS:
        models.append(CalibratedClassifierCV(make_pipeline(StandardScaler(), SVC(random_state=seed)), ensemble=False))
    return models


def text_families(*, field: str | None = "text", seed: int = 0) -> list[Any]:
    """Classifiers of the text in `data[field]`: the built-in `TextClassifier` (word and character
    n-grams, calibrated linear SVM), logistic regression on word TF-IDF, naive Bayes on word counts."""
    texts = FunctionTransformer(texts_of, kw_args={"field": field})
    return [
        TextClassifier(field=field, seed=seed),
        make_pipeline(texts, TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
                      LogisticRegression(C=10.0, max_iter=1000)),
        make_pipeline(texts, CountVectorizer(ngram_range=(1, 2)), MultinomialNB(alpha=0.5)),
    ]


def detector_models(object_type: str, *, field: str | None, seed: int = 0, rows: int = 0) -> list[Any]:
    """The families for a single-choice control over `rows` labeled text or table tasks (records become
    a number matrix first); anything else raises ValueError."""
    if object_type == "text":
        return text_families(field=field, seed=seed)
    if object_type == "table":
        return [make_pipeline(RecordMatrix(field=field), m) for m in numeric_families(seed=seed, rows=rows)]
    raise ValueError(f"no label-error models for a {object_type} object")
