"""Tabular classification from task data records: numeric columns as numbers, every other column as a
category, fed to scikit-learn's histogram gradient boosting (native categorical splits and missing
values; Ke et al., "LightGBM", NeurIPS 2017, is the method it follows).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from labelwise.assist.models._base import BuiltinModel, field_value

_MAX_CATEGORIES = 254  # HistGradientBoosting bins categories into at most 255 bins (one for missing)


class TabularClassifier(BuiltinModel):
    """Classify a record `data[field]` (or the task data itself when `field` is None).

    `columns` picks and orders the columns used (default: every key seen while fitting). A column
    is numeric when every non-empty value is a number or a numeric string; otherwise categorical,
    keeping its 254 most frequent values (rarer and unseen values count as missing).
    """

    kind = "choices"

    def __init__(self, *, field: str | None = None, columns: Sequence[str] | None = None,
                 max_iter: int = 200, learning_rate: float = 0.1, seed: int = 0) -> None:
        self.field = field
        self.columns = columns
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.seed = seed

    def fit(self, tasks_data: Sequence[Any], labels: Sequence[Any]) -> TabularClassifier:
        records = self._records(tasks_data)
        if len(records) != len(labels) or not records:
            raise ValueError("fit needs as many labels as tasks, and at least one task")
        self.columns_, self.numeric_, self.categories_ = _encoding(records, self.columns)
        y = np.array([str(v) for v in labels], dtype=object)
        self.classes_ = np.array(sorted(set(y)), dtype=object)
        if len(self.classes_) == 1:
            self.estimator_ = None
            return self
        x = self._matrix(records)
        mask = np.array([not self.numeric_[c] for c in self.columns_], dtype=bool)
        # the default leaf size (20) never splits a small labeled set; scale it with the data
        self.estimator_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, random_state=self.seed,
            min_samples_leaf=int(np.clip(len(records) // 10, 1, 20)),
            categorical_features=mask if mask.any() else None, early_stopping=False,
        )
        # one OpenMP thread: on a busy server, spinning threads made a 200-row fit 20x slower
        with threadpool_limits(limits=1, user_api="openmp"):
            self.estimator_.fit(x, y)
        return self

    def predict_proba(self, tasks_data: Sequence[Any]) -> np.ndarray:
        self._check_fitted()
        records = self._records(tasks_data)
        if self.estimator_ is None:
            return np.ones((len(records), 1))
        with threadpool_limits(limits=1, user_api="openmp"):
            proba = self.estimator_.predict_proba(self._matrix(records))
        order = [list(self.estimator_.classes_).index(c) for c in self.classes_]
        return proba[:, order]

    def predict(self, tasks_data: Sequence[Any]) -> list[str]:
        return [str(self.classes_[i]) for i in self.predict_proba(tasks_data).argmax(axis=1)]

    def to_predictions(self, tasks_data: Sequence[Any], *, control: str) -> list[dict[str, Any]]:
        """Prediction objects `{"result": {control: option}, "score", "scores"}` for a choices control."""
        out = []
        for row in self.predict_proba(tasks_data):
            out.append({"result": {control: str(self.classes_[int(row.argmax())])}, "score": float(row.max()),
                        "scores": {str(c): float(p) for c, p in zip(self.classes_, row)}})
        return out

    def transform(self, tasks_data: Sequence[Any]) -> np.ndarray:
        """The encoded feature matrix (numbers; category codes; NaN for missing)."""
        self._check_fitted()
        return self._matrix(self._records(tasks_data))

    def _records(self, tasks_data: Sequence[Any]) -> list[Mapping[str, Any]]:
        return [_record(data, self.field) for data in tasks_data]

    def _matrix(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        x = np.full((len(records), len(self.columns_)), np.nan)
        for j, col in enumerate(self.columns_):
            numeric = self.numeric_[col]
            codes = self.categories_.get(col, {})
            for i, record in enumerate(records):
                value = record.get(col)
                if _empty(value):
                    continue
                if numeric:
                    number = _number(value)
                    x[i, j] = np.nan if number is None else number
                else:
                    x[i, j] = codes.get(str(value), np.nan)
        return x


class RecordMatrix(TransformerMixin, BaseEstimator):
    """Task records `data[field]` as a dense number matrix, for models without native categories or
    missing values: numeric columns as numbers (missing ones as the fitted median, plus a 0/1 missing
    column when any was missing while fitting), categorical columns one-hot over their values seen
    while fitting (the same column typing as `TabularClassifier`)."""

    def __init__(self, *, field: str | None = None, columns: Sequence[str] | None = None) -> None:
        self.field = field
        self.columns = columns

    def fit(self, tasks_data: Sequence[Any], y: Any = None) -> RecordMatrix:
        records = [_record(data, self.field) for data in tasks_data]
        self.columns_, self.numeric_, self.categories_ = _encoding(records, self.columns)
        self.medians_, self.flag_missing_ = {}, {}
        for col in self.columns_:
            if self.numeric_[col]:
                numbers = [_number(r.get(col)) for r in records]
                present = [v for v in numbers if v is not None]
                self.medians_[col] = float(np.median(present)) if present else 0.0
                self.flag_missing_[col] = len(present) < len(numbers)
        return self

    def transform(self, tasks_data: Sequence[Any]) -> np.ndarray:
        records = [_record(data, self.field) for data in tasks_data]
        blocks = []
        for col in self.columns_:
            if self.numeric_[col]:
                numbers = [_number(r.get(col)) for r in records]
                blocks.append(np.array([[self.medians_[col] if v is None else v] for v in numbers]))
                if self.flag_missing_[col]:
                    blocks.append(np.array([[float(v is None)] for v in numbers]))
            else:
                codes = self.categories_[col]
                onehot = np.zeros((len(records), len(codes)))
                for i, r in enumerate(records):
                    code = codes.get(str(r.get(col)))
                    if code is not None and not _empty(r.get(col)):
                        onehot[i, code] = 1.0
                blocks.append(onehot)
        return np.hstack(blocks) if blocks else np.zeros((len(records), 0))


def _record(data: Any, field: str | None) -> Mapping[str, Any]:
    record = field_value(data, field)
    if not isinstance(record, Mapping):
        raise ValueError("tabular task data must be a record {column: value}")
    return record


def _encoding(records: Sequence[Mapping[str, Any]], columns: Sequence[str] | None,
              ) -> tuple[list[str], dict[str, bool], dict[str, dict[str, int]]]:
    """The columns, whether each is numeric, and each categorical column's codes for its most frequent
    values."""
    names = list(columns) if columns is not None else _all_keys(records)
    numeric: dict[str, bool] = {}
    categories: dict[str, dict[str, int]] = {}
    for col in names:
        values = [r.get(col) for r in records]
        numeric[col] = all(_number(v) is not None for v in values if not _empty(v))
        if not numeric[col]:
            common = Counter(str(v) for v in values if not _empty(v)).most_common(_MAX_CATEGORIES)
            categories[col] = {value: code for code, (value, _) in enumerate(common)}
    return names, numeric, categories


def _all_keys(records: Sequence[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for record in records:
        for key in record:
            seen.setdefault(str(key), None)
    return list(seen)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None  # booleans are categories, not 0/1 measurements
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if np.isfinite(number) else None
    return None
