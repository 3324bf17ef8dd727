"""Weak supervision: labeling functions, their analysis, and label models that combine their votes.

Pure Python/numpy (plus ``labelwise.quality`` for the majority-vote baseline). The platform's
service layer turns stored rules and tasks into the inputs here.

Default label model: ``DawidSkeneLabelModel()`` — class balance learned, smoothing 1,
accuracy prior 1, abstains counted as evidence only for functions that vote one class. It was
chosen by ``benchmarks/weak_supervision.py`` among nine configurations (majority vote, five
Dawid–Skene and three matrix-completion variants) by mean rank of accuracy on the covered tasks
of 24 sets: 20 simulated vote matrices (2/3/5 classes, balanced or skewed, 5–20 functions,
accuracy 0.55–0.97, coverage 0.02–0.5, 0/50/100% one-class rules, 0 or 30% near-duplicate
rules) and four real crowd sets with annotators as functions. YouTube spam was not used to choose.
Results (benchmarks/results/weak_supervision.json, Dec 2026): mean accuracy 0.818 against 0.800
for majority vote, better on 18 sets and worse on 4 (worst -0.061); Snorkel-style matrix
completion averaged 0.744 (worse than majority vote on 19 sets; it fails on crowd sets, whose
functions rarely overlap). On YouTube test: label model 0.852 (majority vote 0.826 expected
under random ties, matrix completion 0.864), end model on its labels 0.944.
"""

from labelwise.assist.weak.analysis import VoteAnalysis, analyze_votes, conflicting_tasks, wilson_interval
from labelwise.assist.weak.dawid_skene import DawidSkeneLabelModel
from labelwise.assist.weak.ensemble import EnsembleLabelModel
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
    "EnsembleLabelModel",
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
