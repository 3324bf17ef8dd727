"""Datasets and models shared by the model-in-the-loop benchmarks (no downloads: sklearn's bundled
sets and the shared YouTube spam CSVs)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

YOUTUBE = Path("/work/shared/data/text/youtube_spam")


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) with integer labels; YouTube's X is an object array of comment texts."""
    if name == "youtube":
        texts, labels = [], []
        for path in sorted(YOUTUBE.glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as fp:
                for row in csv.DictReader(fp):
                    texts.append(row["CONTENT"])
                    labels.append(int(row["CLASS"]))
        return np.array(texts, dtype=object), np.array(labels)
    loader = {"digits": load_digits, "breast_cancer": load_breast_cancer, "wine": load_wine,
              "iris": load_iris}[name]
    return loader(return_X_y=True)


def model(name: str):
    """TF-IDF + logistic regression for text, standardised logistic regression otherwise."""
    if name == "youtube":
        return make_pipeline(TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
                             LogisticRegression(C=10.0, max_iter=1000))
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
