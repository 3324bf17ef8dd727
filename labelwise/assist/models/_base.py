"""What every built-in model shares: reading task data, serialisation to bytes, and k-fold metrics.

Model bytes are a short JSON header followed by a pickle of the fitted scikit-learn objects. A pickle
can run code when loaded, so `load_model` must only be given bytes this platform wrote itself (its own
model-version rows), never an upload.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import sklearn
from sklearn.base import BaseEstimator

_MAGIC = b"LWMODEL1"


class NotFitted(RuntimeError):
    """The model was used before `fit`."""


class BuiltinModel(BaseEstimator):
    """Base for the in-process models: hyperparameters in the constructor, `fit` returns self,
    learned state ends in `_`. Subclasses set `kind` ("choices", "multilabel" or "spans") and
    implement `fit`, `predict` and `to_predictions`; `sklearn.base.clone` works on every model."""

    kind: str = ""

    def fit(self, tasks_data: Sequence[Any], labels: Sequence[Any]) -> BuiltinModel:  # pragma: no cover
        raise NotImplementedError

    def predict(self, tasks_data: Sequence[Any]) -> list[Any]:  # pragma: no cover
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        """Serialise the fitted model (a pickle behind a header naming the class and library versions)."""
        self._check_fitted()
        header = json.dumps({
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
        }).encode()
        return _MAGIC + len(header).to_bytes(4, "big") + header + pickle.dumps(self, protocol=5)

    def _check_fitted(self) -> None:
        if not hasattr(self, "classes_"):
            raise NotFitted(f"{type(self).__name__} is not fitted; call fit() first")


def model_header(data: bytes) -> dict[str, str]:
    """The header of serialised model bytes: class path and the library versions it was written with."""
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + 4:
        raise ValueError("not labelwise model bytes")
    size = int.from_bytes(data[len(_MAGIC):len(_MAGIC) + 4], "big")
    return json.loads(data[len(_MAGIC) + 4:len(_MAGIC) + 4 + size])


def load_model(data: bytes) -> BuiltinModel:
    """Load bytes written by `BuiltinModel.to_bytes`. Trusted input only (see the module docstring).

    scikit-learn does not promise that a pickle loads in another minor version, so a version
    mismatch is refused with a clear message (retrain the model) instead of failing later.
    """
    header = model_header(data)
    if _minor(header.get("sklearn", "")) != _minor(sklearn.__version__):
        raise ValueError(f"model was saved with scikit-learn {header.get('sklearn')}, this is "
                         f"{sklearn.__version__}; retrain it")
    size = int.from_bytes(data[len(_MAGIC):len(_MAGIC) + 4], "big")
    model = pickle.loads(data[len(_MAGIC) + 4 + size:])
    if not isinstance(model, BuiltinModel):
        raise ValueError("model bytes do not hold a labelwise built-in model")
    return model


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def field_value(data: Any, field: str | None) -> Any:
    """`data[field]` for a task's data dict; the value itself when `field` is None."""
    if field is None:
        return data
    if not isinstance(data, Mapping):
        raise ValueError(f"task data must be an object with a {field!r} key")
    return data.get(field)


def texts_of(tasks_data: Iterable[Any], field: str | None) -> list[str]:
    out = []
    for data in tasks_data:
        value = field_value(data, field)
        out.append("" if value is None else str(value))
    return out
