"""Span aggregation: annotators' labelled spans → a vote per position → agreed spans.

Each annotator votes, at every position (character or token index) of a text, for the labels
of the spans covering it, or implicitly for "outside". A position belongs to the result when
its best label has the votes of more than ``min_share`` of the annotators; consecutive such
positions with the same label form a span, split again where most of its supporters begin a
span (so two adjacent entities stay two). This is token-level majority voting, the usual
baseline for sequence-label aggregation (e.g. Nguyen et al., "Aggregating and Predicting
Sequence Labels from Crowd Annotations", ACL 2017).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import NamedTuple

import numpy as np

from labelwise.quality.errors import QualityInputError

__all__ = ["AggregatedSpan", "aggregate_spans"]


class AggregatedSpan(NamedTuple):
    """``[start, end)`` with its label; ``confidence`` is the mean vote share over its positions."""

    start: int
    end: int
    label: Hashable
    confidence: float


def aggregate_spans(annotations: Sequence[Sequence[tuple[int, int, Hashable]]], *, length: int,
                    min_share: float = 0.5) -> list[AggregatedSpan]:
    """Aggregate per-annotator spans over a text of ``length`` positions.

    ``annotations[a]`` lists annotator a's ``(start, end, label)`` spans, ``end`` exclusive;
    an annotator who marked nothing is an empty list and still votes "outside" everywhere.
    Overlapping spans of one annotator with the same label count once per position. A position
    tied between labels goes to the label that sorts first. With one annotator the result is
    their spans (merged where they overlap) with confidence 1. Returns spans sorted by start.
    """
    if length < 0:
        raise QualityInputError(f"length must be >= 0, got {length}.")
    if not 0.0 <= min_share < 1.0:
        raise QualityInputError(f"min_share must be in [0, 1), got {min_share}.")
    n_annot = len(annotations)
    if n_annot == 0:
        raise QualityInputError("There are no annotators to aggregate (annotations is empty).")
    flat = [(a, *_check_span(span, length, a)) for a, spans in enumerate(annotations) for span in spans]
    if not flat or length == 0:
        return []
    vocab = _label_vocab([s[3] for s in flat])
    index = {lab: i for i, lab in enumerate(vocab)}
    k = len(vocab)
    merged = _merge_per_annotator(flat, index)
    starts = np.array([s for s, _, _ in merged], dtype=np.intp)
    ends = np.array([e for _, e, _ in merged], dtype=np.intp)
    labs = np.array([j for _, _, j in merged], dtype=np.intp)
    diff = np.zeros((k, length + 1))
    np.add.at(diff, (labs, starts), 1.0)
    np.add.at(diff, (labs, ends), -1.0)
    votes = np.cumsum(diff, axis=1)[:, :length]                 # [label, position]
    begins = np.zeros((k, length))
    np.add.at(begins, (labs, starts), 1.0)

    best = np.argmax(votes, axis=0)
    pos = np.arange(length)
    share = votes[best, pos] / n_annot
    inside = share > min_share
    best_begins = begins[best, pos]
    best_votes = votes[best, pos]
    new = inside.copy()
    new[1:] &= ~inside[:-1] | (best[1:] != best[:-1]) | (2 * best_begins[1:] > best_votes[1:])
    run_starts = np.flatnonzero(new)
    if len(run_starts) == 0:
        return []
    # A run ends at the next position that starts another run or lies outside.
    stops = np.append(np.flatnonzero(new | ~inside), length)
    run_ends = stops[np.searchsorted(stops, run_starts, side="right")]
    result = [
        AggregatedSpan(int(s), int(e), vocab[best[s]], float(share[s:e].mean()))
        for s, e in zip(run_starts, run_ends)
    ]
    return result


def _check_span(span, length: int, annotator: int) -> tuple[int, int, Hashable]:
    try:
        start, end, label = span
    except (TypeError, ValueError):
        raise QualityInputError(
            f"Annotator {annotator}: a span must be (start, end, label), got {span!r}."
        ) from None
    if int(start) != start or int(end) != end:
        raise QualityInputError(f"Annotator {annotator}: span offsets must be integers, got {span!r}.")
    if not 0 <= start < end <= length:
        raise QualityInputError(
            f"Annotator {annotator}: span {span!r} must satisfy 0 <= start < end <= length ({length})."
        )
    return int(start), int(end), label


def _label_vocab(labels: list) -> list:
    uniq = dict.fromkeys(labels)
    try:
        return sorted(uniq)
    except TypeError:
        return list(uniq)


def _merge_per_annotator(flat, index) -> list[tuple[int, int, int]]:
    """Union of each annotator's same-label spans, so nobody votes twice for one position."""
    out: list[tuple[int, int, int]] = []
    for (a, j), group in _groups(flat, index).items():
        group.sort()
        cur_s, cur_e = group[0]
        for s, e in group[1:]:
            if s < cur_e:  # overlapping; merely adjacent spans stay two
                cur_e = max(cur_e, e)
            else:
                out.append((cur_s, cur_e, j))
                cur_s, cur_e = s, e
        out.append((cur_s, cur_e, j))
    return out


def _groups(flat, index) -> dict:
    groups: dict = {}
    for a, s, e, lab in flat:
        groups.setdefault((a, index[lab]), []).append((s, e))
    return groups
