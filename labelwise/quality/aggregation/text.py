"""Free-text answers: pick the answer most similar to the others (the medoid under edit similarity).

Similarity is `labelwise.quality.spatial_agreement.edit_similarity` (1 − Levenshtein distance / length
of the longer string), after optional normalisation (Unicode NFKC, case folding, collapsed whitespace). Choosing an existing answer
rather than synthesising one is the "closest to average" idea of crowd-kit's text
aggregators and of ROVER-free baselines (Li & Fukumoto, "A Dataset of Crowdsourced Word
Sequences", 2019).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from labelwise.quality.aggregation._base import as_codes, check_range
from labelwise.quality.errors import QualityInputError
from labelwise.quality.spatial_agreement import edit_similarity

__all__ = ["TextChoice", "aggregate_texts", "text_medoid"]


class TextChoice(NamedTuple):
    """The chosen answer, its position among the task's answers, and its mean similarity to the
    others (``confidence``; 1.0 when it is the only answer)."""

    index: int
    text: str
    confidence: float


def text_medoid(answers: Sequence[str], *, normalize: bool = True) -> TextChoice:
    """The answer with the highest mean edit similarity to the other answers of one task.

    Ties go to the earliest answer. Raises QualityInputError for no answers or a non-string.
    """
    if len(answers) == 0:
        raise QualityInputError("There are no answers to choose from.")
    for i, s in enumerate(answers):
        if not isinstance(s, str):
            raise QualityInputError(f"Answer {i} must be a string, got {type(s).__name__}.")
    n = len(answers)
    if n == 1:
        return TextChoice(0, answers[0], 1.0)
    norm = [_normalise(s) if normalize else s for s in answers]
    sim = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            if norm[i] == norm[j]:
                sim[i, j] = sim[j, i] = 1.0
            else:
                sim[i, j] = sim[j, i] = edit_similarity(norm[i], norm[j])
    mean = (sim.sum(axis=1) - 1.0) / (n - 1)
    best = int(np.argmax(mean))
    return TextChoice(best, answers[best], float(mean[best]))


def aggregate_texts(tasks: ArrayLike, texts: Sequence[str], *, n_tasks: int | None = None,
                    normalize: bool = True) -> list[TextChoice | None]:
    """:func:`text_medoid` per task code; ``index`` counts within the task's answers in input
    order. Entry ``None`` for a task code below ``n_tasks`` without answers."""
    t = as_codes(tasks, "tasks")
    if len(t) != len(texts):
        raise QualityInputError(f"tasks and texts must have the same length, got {len(t)} and {len(texts)}.")
    if len(t) == 0:
        raise QualityInputError("There are no answers to aggregate (the input is empty).")
    nt = check_range(t, n_tasks, "task", "n_tasks")
    order = np.argsort(t, kind="stable")
    bounds = np.searchsorted(t[order], np.arange(nt + 1))
    out: list[TextChoice | None] = []
    for task in range(nt):
        rows = order[bounds[task]:bounds[task + 1]]
        out.append(text_medoid([texts[r] for r in rows], normalize=normalize) if len(rows) else None)
    return out


def _normalise(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).casefold().split())
