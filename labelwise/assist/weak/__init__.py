"""Weak supervision: labeling functions, their analysis, and label models that combine their votes.

Pure Python/numpy (plus ``labelwise.quality`` for the majority-vote baseline). The platform's
service layer turns stored rules and tasks into the inputs here.
"""

from labelwise.assist.weak.analysis import (
    VoteAnalysis,
    analyze_votes,
    conflicting_tasks,
    wilson_interval,
)
from labelwise.assist.weak.dawid_skene import DawidSkeneLabelModel
from labelwise.assist.weak.errors import LabelingFunctionError
from labelwise.assist.weak.functions import (
    ABSTAIN,
    CONDITION_OPS,
    FieldCondition,
    GivenVotes,
    Keywords,
    LabelingFunction,
    Pattern,
    PythonFunction,
    apply_functions,
    definition_hash,
    from_definition,
)
from labelwise.assist.weak.majority import MajorityVoteLabelModel
from labelwise.assist.weak.matrix_completion import MatrixCompletionLabelModel

__all__ = [
    "ABSTAIN",
    "CONDITION_OPS",
    "DawidSkeneLabelModel",
    "FieldCondition",
    "GivenVotes",
    "Keywords",
    "LabelingFunction",
    "LabelingFunctionError",
    "MajorityVoteLabelModel",
    "MatrixCompletionLabelModel",
    "Pattern",
    "PythonFunction",
    "VoteAnalysis",
    "analyze_votes",
    "apply_functions",
    "conflicting_tasks",
    "definition_hash",
    "from_definition",
    "wilson_interval",
]
