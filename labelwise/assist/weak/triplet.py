"""Triplet label model (FlyingSquid): function accuracies in closed form from triples of functions.

D. Y. Fu, M. F. Chen, F. Sala, S. M. Hooper, K. Fatahalian, C. Ré, "Fast and Three-rious: Speeding Up
Weak Supervision with Triplet Methods", ICML 2020. With a binary true class Y (P(Y = 1) = p) and
functions conditionally independent given Y, the covariance of two functions' one-hot votes (all
zeros where one abstains) has rank one: Cov(x_i, x_j) = a_i a_j^T, a_i = sqrt(p(1-p)) (μ_i1 - μ_i0)
with μ_iy[l] = P(i votes l | y). So a_i[u]² = Cov_ij[u, v] Cov_ik[u, w] / Cov_jk[v, w] for any two
other functions j, k: we take the median over the triples whose denominator is clearly non-zero,
and the sign from the assumption that a vote for a class is likelier when that class is true. The
class balance p is the grid value under which the μ it implies make the votes most likely (or it is
fixed; with more than two classes, majority vote's share of each class). Abstains are part of the model (moments over every task), so a one-class rule's silence is
evidence, as in FlyingSquid. More than two classes: one binary model per class (it against the
rest: a vote for another class counts as a vote against it), posteriors normalised; an approximation,
since votes for other classes are not independent given "not c". A task no function votes on gets the class balance.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, logsumexp

from labelwise.assist.weak._base import (
    LabelModel,
    answer_indicators,
    answer_log_likelihood,
    check_votes,
    class_prior,
    one_hot,
    vote_counts,
)
from labelwise.assist.weak.errors import LabelingFunctionError

__all__ = ["TripletLabelModel"]

_GRID = np.linspace(0.02, 0.98, 49)
_FLOOR = 1e-3  # no answer is impossible under any class


class TripletLabelModel(LabelModel):
    """FlyingSquid's triplet estimates of each function's answer table, then the naive-Bayes posterior.

    ``class_balance``: ``"learn"`` (two classes: grid search on the likelihood; more: majority vote's
    class shares on the covered tasks, one pseudo-count each),
    ``"uniform"`` or K probabilities. ``min_z``: a triple is used only when its denominator
    covariance is at least ``min_z`` standard errors from zero (all non-zero ones when none is).
    Learned: ``targets_`` (the class of each binary model: [1] for two classes, else every class),
    ``binary_conditionals_[c, j, y, v]`` = P(function j answers v | y) with y = 1 "the class is
    targets_[c]", v = 1 a vote for it, 0 a vote for another class, 2 the abstain; ``target_balance_[c]`` = P(class targets_[c]) in that model;
    ``class_balance_``; ``accuracies_``; ``probas_``.
    """

    def __init__(self, *, class_balance="learn", min_z: float = 2.0) -> None:
        if min_z < 0:
            raise LabelingFunctionError("min_z must be >= 0.", field="min_z")
        self.class_balance = class_balance
        self.min_z = min_z

    def fit(self, votes: ArrayLike, *, n_classes: int | None = None) -> TripletLabelModel:
        arr, k = check_votes(votes, n_classes)
        n, m = arr.shape
        fixed = class_prior(self.class_balance, k)
        self.targets_ = np.array([1] if k == 2 else list(range(k)))
        counts = vote_counts(arr, k)
        covered = counts.sum(axis=1) > 0
        shares_of_votes = (counts[covered] / counts[covered].sum(axis=1, keepdims=True)).sum(axis=0) + 1.0
        shares_of_votes /= shares_of_votes.sum()
        shares, tables = [], []
        for c in self.targets_:
            binary = _against_the_rest(arr, c)
            x = one_hot(binary, 2, with_abstain=False).reshape(n, m * 2)
            mean = x.mean(axis=0) if n else np.zeros(m * 2)
            cov = (x.T @ x) / max(n, 1) - np.outer(mean, mean)
            a = _magnitudes(cov, np.repeat(np.arange(m), 2), max(n, 1), self.min_z) * np.tile([-1.0, 1.0], m)
            codes = answer_indicators(np.where(binary < 0, 2, binary), 2)
            if fixed is not None:
                grid = np.array([fixed[c]])
            elif k == 2:
                grid = _GRID
            else:  # the likelihood of one class against the rest hardly pins p down: the votes' share
                grid = np.array([float(np.clip(shares_of_votes[c], _GRID[0], _GRID[-1]))])
            candidates = [(p, _tables(mean, a, p, m)) for p in grid]
            p, t = max(candidates, key=lambda pt: _log_lik(codes, *pt))
            shares.append(p)
            tables.append(t)
        self.binary_conditionals_ = np.stack(tables)
        self.target_balance_ = np.array(shares)
        if k == 2:
            self.class_balance_ = np.array([1.0 - shares[0], shares[0]])
        else:
            self.class_balance_ = self.target_balance_ / self.target_balance_.sum()
        self.n_classes_, self.n_functions_ = k, m
        self.accuracies_ = self._accuracies((arr >= 0).mean(axis=0) if n else np.zeros(m))
        self.probas_ = self._posterior(arr)
        return self

    def predict_proba(self, votes: ArrayLike) -> np.ndarray:
        return self._posterior(self._check_fitted(votes))

    def _posterior(self, arr: np.ndarray) -> np.ndarray:
        q = []
        for c, p, t in zip(self.targets_, self.target_balance_, self.binary_conditionals_):
            binary = _against_the_rest(arr, c)
            ll = answer_log_likelihood(answer_indicators(np.where(binary < 0, 2, binary), 2), t)
            q.append(expit(np.log(p / (1 - p)) + ll[:, 1] - ll[:, 0]))
        q = np.stack(q, axis=1)
        if self.n_classes_ == 2:
            out = np.concatenate([1.0 - q, q], axis=1)
        else:
            out = q / np.maximum(q.sum(axis=1, keepdims=True), 1e-300)
        out[~(arr >= 0).any(axis=1)] = self.class_balance_
        return out

    def _accuracies(self, coverage: np.ndarray) -> np.ndarray:
        k, t = self.n_classes_, self.binary_conditionals_
        if k == 2:
            p = self.target_balance_[0]
            correct = (1 - p) * t[0, :, 0, 0] + p * t[0, :, 1, 1]
        else:  # P(votes c and the class is c), summed over c
            correct = sum(self.class_balance_[c] * t[c, :, 1, 1] for c in range(k))
        return np.clip(correct / np.maximum(coverage, 1e-12), 0.0, 1.0)


def _against_the_rest(arr: np.ndarray, c: int) -> np.ndarray:
    """Votes for class c as 1, for any other class as 0, abstains as -1."""
    return np.where(arr < 0, -1, (arr == c).astype(np.int64))


def _magnitudes(cov: np.ndarray, block: np.ndarray, n: int, min_z: float) -> np.ndarray:
    """|a[r]| for every (function, class) row r: the median triplet estimate, 0 if it never votes that class."""
    var = np.clip(np.diag(cov), 0.0, None)
    se = np.sqrt(np.outer(var, var) / n)
    distinct = block[:, None] != block[None, :]
    significant = distinct & (np.abs(cov) > min_z * se) & (np.abs(cov) > 0)
    nonzero = distinct & (np.abs(cov) > 1e-12)
    out = np.zeros(len(block))
    for r in np.nonzero(var > 0)[0]:
        others = np.nonzero(block != block[r])[0]
        sub = np.ix_(others, others)
        mask = np.triu(significant[sub], 1)
        if not mask.any():
            mask = np.triu(nonzero[sub], 1)
        if not mask.any():
            continue
        c = cov[r, others]
        estimates = np.outer(c, c)[mask] / cov[sub][mask]
        out[r] = np.sqrt(max(float(np.median(estimates)), 0.0))
    return out


def _tables(mean: np.ndarray, a: np.ndarray, p: float, m: int) -> np.ndarray:
    """(m, 2, 3) answer tables (votes 0, 1, abstain) under class balance p: y = 1 the target class."""
    delta = a / np.sqrt(p * (1 - p))
    mu = np.stack([mean - p * delta, mean + (1 - p) * delta]).reshape(2, m, 2).transpose(1, 0, 2)
    mu = np.clip(mu, _FLOOR, 1.0)
    total = mu.sum(axis=2, keepdims=True)
    mu = np.where(total > 1 - _FLOOR, mu * (1 - _FLOOR) / total, mu)
    return np.concatenate([mu, 1.0 - mu.sum(axis=2, keepdims=True)], axis=2)


def _log_lik(codes, p: float, tables: np.ndarray) -> float:
    ll = answer_log_likelihood(codes, tables) + np.log([1 - p, p])
    return float(logsumexp(ll, axis=1).sum())
