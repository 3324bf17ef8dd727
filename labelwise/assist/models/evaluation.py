"""K-fold cross-validated accuracy and F1 of a built-in model, for the record kept with each model version.

Single-label: accuracy and macro F1. Multi-label: subset accuracy (every option right) and micro F1
over option decisions. Spans: token tag accuracy and exact-match span F1 (start, end and label all
equal; micro over spans, as CoNLL scores entities).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import MultiLabelBinarizer

from labelwise.assist.models._base import BuiltinModel, texts_of
from labelwise.assist.models.span_tagger import _bio, tokenize


def cross_validate(model: BuiltinModel, tasks_data: Sequence[Any], labels: Sequence[Any], *,
                   folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """Fit a fresh copy of `model` on k-1 folds, score the held-out fold, and average.

    Single-label folds are stratified; `folds` shrinks to the size of the rarest class (at least 2).
    Returns `{"accuracy", "f1", "accuracy_std", "f1_std", "folds", "n", "metric"}` where `metric`
    names what `f1` means.
    """
    n = len(tasks_data)
    if n != len(labels):
        raise ValueError("cross_validate needs as many labels as tasks")
    k = min(folds, n)
    if k < 2:
        raise ValueError("cross-validation needs at least two labeled tasks (two per class to stratify)")
    splitter: KFold | StratifiedKFold
    if model.kind == "choices":
        smallest = min(Counter(map(str, labels)).values())
        if smallest >= 2:
            k = min(k, smallest)
            splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        else:
            splitter = KFold(n_splits=k, shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=k, shuffle=True, random_state=seed)
    strata = [str(v) for v in labels] if isinstance(splitter, StratifiedKFold) else None
    accuracy, f1 = [], []
    for train, test in splitter.split(np.zeros(n), strata):
        fitted = clone(model).fit([tasks_data[i] for i in train], [labels[i] for i in train])
        test_data = [tasks_data[i] for i in test]
        a, f = _scores(fitted, test_data, [labels[i] for i in test])
        accuracy.append(a)
        f1.append(f)
    return {
        "accuracy": float(np.mean(accuracy)), "f1": float(np.mean(f1)),
        "accuracy_std": float(np.std(accuracy)), "f1_std": float(np.std(f1)),
        "folds": k, "n": n, "metric": _METRIC[model.kind],
    }


_METRIC = {"choices": "accuracy; macro F1", "multilabel": "subset accuracy; micro F1 over options",
           "spans": "token tag accuracy; exact-match span F1 (micro)"}


def _scores(model: BuiltinModel, tasks_data: list[Any], labels: list[Any]) -> tuple[float, float]:
    predicted = model.predict(tasks_data)
    if model.kind == "choices":
        truth = [str(v) for v in labels]
        return accuracy_score(truth, predicted), f1_score(truth, predicted, average="macro", zero_division=0)
    if model.kind == "multilabel":
        binarizer = MultiLabelBinarizer().fit([*labels, *predicted, list(model.classes_)])
        t, p = binarizer.transform(labels), binarizer.transform(predicted)
        return accuracy_score(t, p), f1_score(t, p, average="micro", zero_division=0)
    return _span_scores(texts_of(tasks_data, model.field), labels, predicted)


def span_f1(truth: Sequence[Sequence[dict]], predicted: Sequence[Sequence[dict]]) -> dict[str, float]:
    """Exact-match span precision, recall and F1, micro-averaged over all spans of all tasks."""
    hits = n_true = n_pred = 0
    for t, p in zip(truth, predicted):
        ts = {(int(s["start"]), int(s["end"]), str(s["label"])) for s in t}
        ps = {(int(s["start"]), int(s["end"]), str(s["label"])) for s in p}
        hits += len(ts & ps)
        n_true += len(ts)
        n_pred += len(ps)
    precision = hits / n_pred if n_pred else float(n_true == 0)
    recall = hits / n_true if n_true else float(n_pred == 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _span_scores(texts: list[str], truth: list[Any], predicted: list[Any]) -> tuple[float, float]:
    right = total = 0
    for text, t, p in zip(texts, truth, predicted):
        tokens = tokenize(text)
        a, b = _bio(tokens, t), _bio(tokens, p)
        right += sum(x == y for x, y in zip(a, b))
        total += len(tokens)
    return (right / total if total else 1.0), span_f1(truth, predicted)["f1"]
