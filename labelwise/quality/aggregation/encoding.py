"""Map arbitrary (task, worker, label) ids to the integer codes the aggregators take, and back."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from labelwise.quality.errors import QualityInputError

__all__ = ["Encoding", "encode"]


@dataclass(frozen=True)
class Encoding:
    """Integer codes plus the vocabularies: ``task_ids[tasks[i]]`` is row i's task id."""

    tasks: np.ndarray
    workers: np.ndarray
    labels: np.ndarray
    task_ids: list
    worker_ids: list
    label_ids: list

    @property
    def sizes(self) -> dict[str, int]:
        """``n_tasks``, ``n_workers``, ``n_labels`` as keyword arguments for ``fit``."""
        return {"n_tasks": len(self.task_ids), "n_workers": len(self.worker_ids),
                "n_labels": len(self.label_ids)}

    def decode_labels(self, codes: ArrayLike, *, missing: Hashable = None) -> list:
        """Label ids for label codes; ``missing`` for -1 (a task without judgements)."""
        return [missing if c < 0 else self.label_ids[c] for c in np.asarray(codes).tolist()]


def encode(tasks: Iterable[Hashable], workers: Iterable[Hashable], labels: Iterable[Hashable], *,
           label_ids: Sequence[Hashable] | None = None) -> Encoding:
    """Code each column densely from 0.

    Vocabularies are sorted when the values are mutually comparable (so string labels
    "0" < "1" keep their order and the majority-vote tie-break is predictable), otherwise in
    order of first appearance. ``label_ids`` fixes the label vocabulary and its order, e.g. to
    include a class nobody chose; a label outside it raises QualityInputError.
    """
    t_codes, t_ids = _encode_column(tasks, "tasks")
    w_codes, w_ids = _encode_column(workers, "workers")
    if label_ids is None:
        y_codes, y_ids = _encode_column(labels, "labels")
    else:
        y_ids = list(label_ids)
        index = {v: i for i, v in enumerate(y_ids)}
        if len(index) != len(y_ids):
            raise QualityInputError("label_ids must not repeat a label.")
        values = list(labels)
        try:
            y_codes = np.fromiter((index[v] for v in values), dtype=np.intp, count=len(values))
        except KeyError as exc:
            raise QualityInputError(f"Label {exc.args[0]!r} is not in label_ids {y_ids!r}.") from None
    if not (len(t_codes) == len(w_codes) == len(y_codes)):
        raise QualityInputError(
            f"tasks, workers and labels must have the same length, "
            f"got {len(t_codes)}, {len(w_codes)}, {len(y_codes)}."
        )
    return Encoding(t_codes, w_codes, y_codes, t_ids, w_ids, y_ids)


def _encode_column(values: Iterable[Hashable], name: str) -> tuple[np.ndarray, list]:
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "iubfUS":
        arr = values
    else:
        values = list(values)
        kinds = {type(v) for v in values}
        # Only a homogeneous str/int/float column may go through numpy: a mixed list would be
        # coerced (1 and "1" both becoming "1").
        arr = np.asarray(values) if len(kinds) == 1 and kinds <= {str, int, float, bool} else None
    if arr is not None and arr.ndim == 1 and arr.dtype.kind in "iubfUS":
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise QualityInputError(f"{name} contains NaN; drop missing values before encoding.")
        vocab, codes = np.unique(arr, return_inverse=True)
        return codes.astype(np.intp).reshape(-1), vocab.tolist()
    seq = list(values)
    if any(v is None for v in seq):
        raise QualityInputError(f"{name} contains None; drop missing values before encoding.")
    try:
        uniq = dict.fromkeys(seq)
    except TypeError as exc:
        raise QualityInputError(f"{name} values must be hashable: {exc}") from None
    try:
        vocab = sorted(uniq)
    except TypeError:
        vocab = list(uniq)
    index = {v: i for i, v in enumerate(vocab)}
    codes = np.fromiter((index[v] for v in seq), dtype=np.intp, count=len(seq))
    return codes, vocab
