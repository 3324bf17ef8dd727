"""Label aggregation: turn several annotators' answers into one answer with a confidence.

Categorical aggregators share a crowd-kit-style API over integer-coded (task, worker, label)
arrays (see :func:`encode` for string ids); multi-label, span, box, cuboid, number and free-text
answers have their own aggregators. Pure numpy/scipy.
"""

from labelwise.quality.aggregation.boxes import FusedBox, aggregate_boxes, box_iou
from labelwise.quality.aggregation.cuboids import FusedCuboid, aggregate_cuboids
from labelwise.quality.aggregation.dawid_skene import DawidSkene
from labelwise.quality.aggregation.encoding import Encoding, encode
from labelwise.quality.aggregation.glad import GLAD
from labelwise.quality.aggregation.mace import MACE
from labelwise.quality.aggregation.majority_vote import MajorityVote
from labelwise.quality.aggregation.multilabel import MultiLabelVote
from labelwise.quality.aggregation.numbers import NumericResult, aggregate_numbers
from labelwise.quality.aggregation.one_coin import OneCoinDawidSkene
from labelwise.quality.aggregation.spans import AggregatedSpan, aggregate_spans
from labelwise.quality.aggregation.text import TextChoice, aggregate_texts, text_medoid
from labelwise.quality.aggregation.weighted_majority_vote import WeightedMajorityVote

__all__ = [
    "GLAD",
    "MACE",
    "AggregatedSpan",
    "DawidSkene",
    "Encoding",
    "FusedBox",
    "FusedCuboid",
    "MajorityVote",
    "MultiLabelVote",
    "NumericResult",
    "OneCoinDawidSkene",
    "TextChoice",
    "WeightedMajorityVote",
    "aggregate_boxes",
    "aggregate_cuboids",
    "aggregate_numbers",
    "aggregate_spans",
    "aggregate_texts",
    "box_iou",
    "encode",
    "text_medoid",
]
