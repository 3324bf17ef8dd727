"""Uncertainty sampling: label next what the current model is least sure of (Lewis & Gale, SIGIR 1994;
Settles, "Active Learning Literature Survey", 2009, section 3.1).

Scores are higher for more uncertain items and lie in [0, 1]: least confidence `1 - max p`,
margin `1 - (p1 - p2)`, entropy divided by `log k`. `proba` is an (n, k) matrix of class
probabilities, or a list of (n_tokens, k) matrices for sequence taggers, scored by their most
uncertain token; `per_option` turns multi-label (per-option) probabilities into that list form, so a
task scores by its least sure yes/no decision.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from labelwise.assist.active._select import SeedLike, rank_by_score


def least_confidence(proba) -> np.ndarray:
    """1 - the top class probability."""
    return _per_item(proba, lambda p: 1.0 - p.max(axis=1))


def margin(proba) -> np.ndarray:
    """1 - (top probability - second probability); 1 when the top two tie."""
    def score(p: np.ndarray) -> np.ndarray:
        if p.shape[1] < 2:
            return np.zeros(p.shape[0])
        top2 = -np.partition(-p, 1, axis=1)[:, :2]
        return 1.0 - (top2[:, 0] - top2[:, 1])
    return _per_item(proba, score)


def entropy(proba) -> np.ndarray:
    """Shannon entropy of the class distribution, divided by log(k) so that uniform scores 1."""
    def score(p: np.ndarray) -> np.ndarray:
        if p.shape[1] < 2:
            return np.zeros(p.shape[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, -p * np.log(p), 0.0)
        return np.clip(terms.sum(axis=1) / np.log(p.shape[1]), 0.0, 1.0)
    return _per_item(proba, score)


def per_option(proba: np.ndarray) -> list[np.ndarray]:
    """Multi-label (n, k) per-option probabilities as n (k, 2) yes/no distributions."""
    proba = np.asarray(proba, dtype=float)
    return [np.column_stack([row, 1.0 - row]) for row in proba]


class UncertaintySampler:
    """Pick the `batch_size` pool items with the highest uncertainty score; ties break at random."""

    def __init__(self, measure: str = "margin") -> None:
        if measure not in MEASURES:
            raise ValueError(f"unknown uncertainty measure {measure!r}; use one of {sorted(MEASURES)}")
        self.measure = measure

    def select(self, batch_size: int, *, proba=None, features=None, labeled_features=None,
               seed: SeedLike = None) -> np.ndarray:
        if proba is None:
            raise ValueError(f"{self.measure} sampling needs the model's probabilities (proba)")
        return rank_by_score(MEASURES[self.measure](proba), batch_size, seed=seed)


class LeastConfidenceSampler(UncertaintySampler):
    def __init__(self) -> None:
        super().__init__("least_confidence")


class MarginSampler(UncertaintySampler):
    def __init__(self) -> None:
        super().__init__("margin")


class EntropySampler(UncertaintySampler):
    def __init__(self) -> None:
        super().__init__("entropy")


MEASURES = {"least_confidence": least_confidence, "margin": margin, "entropy": entropy}


def _per_item(proba, score) -> np.ndarray:
    if isinstance(proba, np.ndarray) and proba.ndim == 2:
        return _check(score(_validate(proba)))
    if isinstance(proba, Sequence) or (isinstance(proba, np.ndarray) and proba.dtype == object):
        out = np.zeros(len(proba))
        for i, seq in enumerate(proba):
            seq = _validate(np.asarray(seq, dtype=float))
            out[i] = score(seq).max() if len(seq) else 0.0
        return _check(out)
    raise ValueError("proba must be an (n, k) array or a list of (n_tokens, k) arrays")


def _validate(p: np.ndarray) -> np.ndarray:
    if p.ndim != 2:
        raise ValueError("class probabilities must be a 2-D array")
    if p.size and (not np.isfinite(p).all() or p.min() < -1e-9 or p.max() > 1 + 1e-9):
        raise ValueError("class probabilities must be finite and in [0, 1]")
    return p


def _check(scores: np.ndarray) -> np.ndarray:
    return np.clip(scores, 0.0, 1.0)
