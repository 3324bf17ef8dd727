"""Which built-in model serves a (object type, control type) pair, and how labeled results become its labels.

Takes plain strings so that it needs no schema objects: the platform reads the object's `type` and
`field` and the control's `type` and `multiple` from the parsed schema.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from labelwise.assist.models._base import BuiltinModel
from labelwise.assist.models.span_tagger import SpanTagger
from labelwise.assist.models.tabular_classifier import TabularClassifier
from labelwise.assist.models.text_classifier import TextClassifier, text_features


def supports(object_type: str, control_type: str, *, multiple: bool = False) -> bool:
    """Whether a built-in model can learn this control."""
    if control_type == "choices":
        return object_type == "text" or (object_type == "table" and not multiple)
    return control_type == "spans" and object_type == "text"


def model_for(object_type: str, control_type: str, *, field: str, multiple: bool = False) -> BuiltinModel:
    """A fresh, unfitted model for a control over the object whose value sits in `data[field]`.

    Text choices (single or multiple) get a `TextClassifier`, table choices a `TabularClassifier`,
    text spans a `SpanTagger`. Anything else (images, paragraphs, taxonomies, ...) raises ValueError.
    """
    if not supports(object_type, control_type, multiple=multiple):
        raise ValueError(f"no built-in model for {control_type} on a {object_type} object"
                         + (" with multiple answers" if multiple else ""))
    if control_type == "spans":
        return SpanTagger(field=field)
    if object_type == "table":
        return TabularClassifier(field=field)
    return TextClassifier(field=field, multi_label=multiple)


def pool_features(object_type: str, tasks_data: Sequence[Any], *, field: str):
    """Features of tasks that need no labels, for choosing what to label before any model exists:
    the text model's TF-IDF fitted on these texts (sparse), or the table model's column encoding,
    standardised with missing values at the mean. None for other objects."""
    if object_type == "text":
        return text_features(tasks_data, field=field)
    if object_type != "table" or not tasks_data:
        return None
    encoding = TabularClassifier(field=field).fit(tasks_data, [""] * len(tasks_data))  # one class: no trees
    x = encoding.transform(tasks_data)
    spread = np.nanstd(x, axis=0)
    x = (x - np.nanmean(x, axis=0)) / np.where(spread > 0, spread, 1.0)
    return np.nan_to_num(x, nan=0.0)


def training_set(tasks: Sequence[tuple[Any, Mapping[str, Any]]], control: str, *,
                 multiple: bool = False) -> tuple[list[Any], list[Any]]:
    """`(tasks_data, labels)` from `(task data, labeled result)` pairs, for one control.

    A result that does not answer the control is left out (it says nothing about it), except for
    spans and multiple choices, where an answered-but-empty list is a real label ("nothing here").
    """
    data, labels = [], []
    for task_data, result in tasks:
        value = result.get(control) if isinstance(result, Mapping) else None
        if value is None:
            continue
        if isinstance(value, list):
            if multiple:
                labels.append([str(v) for v in value])
            else:
                labels.append([{"start": r["start"], "end": r["end"], "label": r["label"]} for r in value])
        else:
            labels.append(str(value))
        data.append(task_data)
    return data, labels
