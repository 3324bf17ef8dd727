"""Built-in models that run in process with no download: text (single/multi-label), tabular, entity spans.

Every model has `fit(tasks_data, labels)`, `predict`, `predict_proba`, `classes_`,
`to_predictions(tasks_data, control=...)` (labelwise prediction objects) and `to_bytes()`;
`load_model(bytes)` reads one back and `cross_validate` gives its k-fold accuracy and F1.
"""

from labelwise.assist.models._base import BuiltinModel, NotFitted, load_model, model_header
from labelwise.assist.models.choose import model_for, pool_features, supports, training_set
from labelwise.assist.models.evaluation import cross_validate, span_f1
from labelwise.assist.models.span_tagger import SpanTagger, tokenize
from labelwise.assist.models.tabular_classifier import TabularClassifier
from labelwise.assist.models.text_classifier import TextClassifier

__all__ = [
    "BuiltinModel", "NotFitted", "SpanTagger", "TabularClassifier", "TextClassifier",
    "cross_validate", "load_model", "model_for", "model_header", "pool_features", "span_f1", "supports", "tokenize",
    "training_set",
]
