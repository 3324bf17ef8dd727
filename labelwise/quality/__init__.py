"""Quality control: agreement metrics and label aggregation, pure numpy/scipy.

Nothing here imports FastAPI, SQLAlchemy or pandas; `labelwise.core` turns rows into the
integer-coded arrays these functions take.

The package re-exports the public names of `agreement`, `spatial_agreement`, `cuboids` and `aggregation`,
and the entry points of `method_choice` (which aggregation method the evidence favours) and
`simulate` (crowds with known truth).

`box_iou` exists in both `spatial_agreement` and `aggregation` with different inputs: here it is
the agreement version (one box as `(x, y, width, height[, rotation])`); the vectorised aggregation
version (`(x1, y1, x2, y2)` arrays) stays available as `labelwise.quality.aggregation.box_iou`.
"""

from labelwise.quality.aggregation import (
    GLAD,
    MACE,
    AggregatedSpan,
    DawidSkene,
    Encoding,
    FusedBox,
    FusedCuboid,
    MajorityVote,
    MultiLabelVote,
    NumericResult,
    OneCoinDawidSkene,
    TextChoice,
    WeightedMajorityVote,
    aggregate_boxes,
    aggregate_cuboids,
    aggregate_numbers,
    aggregate_spans,
    aggregate_texts,
    encode,
    text_medoid,
)
from labelwise.quality.agreement import (
    ConfidenceInterval,
    PairwiseAgreement,
    bootstrap_ci,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    krippendorff_alpha_from_matrix,
    pairwise_cohen_kappa,
    percent_agreement,
    reliability_matrix_to_long,
)
from labelwise.quality.cuboids import cuboid_agreement, cuboid_corners, cuboid_f1, cuboid_iou
from labelwise.quality.errors import QualityInputError
from labelwise.quality.method_choice import METHODS, MethodChoice, MethodName, MethodScore, choose_method, make_aggregator
from labelwise.quality.pilot import compare_reports, control_report
from labelwise.quality.simulate import SimulatedCrowd, simulate_crowd
from labelwise.quality.spatial_agreement import (
    MatchScore,
    box_agreement,
    box_corners,
    box_f1,
    box_iou,
    edit_similarity,
    polygon_agreement,
    polygon_f1,
    polygon_iou,
    span_agreement,
    span_f1,
    text_agreement,
)

__all__ = [
    "compare_reports",
    "control_report",
    "cuboid_agreement",
    "cuboid_corners",
    "cuboid_f1",
    "cuboid_iou",
    "GLAD",
    "MACE",
    "AggregatedSpan",
    "ConfidenceInterval",
    "DawidSkene",
    "Encoding",
    "FusedBox",
    "FusedCuboid",
    "MajorityVote",
    "MatchScore",
    "MethodChoice",
    "MethodName",
    "MethodScore",
    "MultiLabelVote",
    "NumericResult",
    "OneCoinDawidSkene",
    "PairwiseAgreement",
    "QualityInputError",
    "SimulatedCrowd",
    "TextChoice",
    "WeightedMajorityVote",
    "aggregate_boxes",
    "aggregate_cuboids",
    "aggregate_numbers",
    "aggregate_spans",
    "aggregate_texts",
    "bootstrap_ci",
    "box_agreement",
    "box_corners",
    "box_f1",
    "box_iou",
    "choose_method",
    "METHODS",
    "cohen_kappa",
    "edit_similarity",
    "encode",
    "fleiss_kappa",
    "krippendorff_alpha",
    "krippendorff_alpha_from_matrix",
    "make_aggregator",
    "pairwise_cohen_kappa",
    "percent_agreement",
    "polygon_agreement",
    "polygon_f1",
    "polygon_iou",
    "reliability_matrix_to_long",
    "simulate_crowd",
    "span_agreement",
    "span_f1",
    "text_agreement",
    "text_medoid",
]
