"""Dawid–Skene for labeling functions: abstaining is one of each function's possible answers.

A. P. Dawid and A. M. Skene, "Maximum Likelihood Estimation of Observer Error-Rates Using the EM
Algorithm", JRSS C 28(1), 1979. Crowd aggregation (``labelwise.quality.aggregation.DawidSkene``)
treats a missing judgement as no evidence; with labeling functions that is wrong, because most
rules vote one class only ("contains http" -> SPAM) and only *whether they fire* carries
information. Here each function j has a (K x K+1) table P(answer | true class) whose last column
is the abstain, and the class balance is learned (or fixed) alongside, by EM from the
majority-vote shares. Like Snorkel's training-set filtering, the model is fitted on the tasks at
least one function voted on, and a task nobody voted on gets the class balance: silence alone
is not evidence enough to label a task (on sparse rule sets it otherwise decides most tasks).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from labelwise.assist.weak._base import (
    LabelModel,
    answer_indicators,
    answer_log_likelihood,
    check_votes,
    class_prior,
    vote_counts,
)
from labelwise.assist.weak.errors import LabelingFunctionError

__all__ = ["DawidSkeneLabelModel"]


class DawidSkeneLabelModel(LabelModel):
    """EM over per-function confusion tables that include the abstain.

    ``class_balance``: ``"learn"`` (EM estimates it), ``"votes"`` (fixed to majority vote's class
    shares on the covered tasks, smoothed like the learned one), ``"uniform"``, or K probabilities.
    ``smoothing`` is a Dirichlet pseudo-count on every table cell and on the class balance;
    ``abstain_evidence``: whether a function's abstaining counts as evidence. ``"unipolar"``
    (default) lets it count for functions that only ever vote one class (keyword rules: their
    silence is their vote for "not my class") and not for functions that vote several classes
    (whose coverage is then modelled as the same for every class, as in crowd aggregation);
    ``True``/``False`` for all functions. ``abstain_evidence_`` says which functions it was.
    ``fit_on``: ``"covered"`` (default) fits on the tasks some function voted on, ``"all"`` on
    every task (all-abstain rows included); either way a task without votes gets the class balance.
    ``accuracy_prior`` adds that many extra pseudo-counts to each function's "votes its own
    class correctly" cells, the weak belief (shared with Snorkel's ``prec_init``) that a rule
    is better than chance, which keeps EM from swapping classes. Learned:
    ``conditionals_[j, y, v]`` = P(function j answers v | true class y), v = K the abstain;
    ``class_balance_``; ``accuracies_``; ``probas_``; ``n_iter_``; ``log_likelihood_``.
    """

    def __init__(self, *, class_balance="learn", smoothing: float = 1.0, accuracy_prior: float = 1.0,
                 abstain_evidence: str | bool = "unipolar", fit_on: str = "covered", n_iter: int = 200,
                 tol: float = 1e-7) -> None:
        if smoothing < 0 or accuracy_prior < 0 or tol < 0 or n_iter < 0:
            raise LabelingFunctionError("smoothing, accuracy_prior, tol and n_iter must be >= 0.")
        if fit_on not in ("covered", "all"):
            raise LabelingFunctionError("fit_on must be 'covered' or 'all'.", field="fit_on")
        if abstain_evidence not in ("unipolar", True, False):
            raise LabelingFunctionError("abstain_evidence must be 'unipolar', True or False.",
                                        field="abstain_evidence")
        self.class_balance = class_balance
        self.fit_on = fit_on
        self.smoothing = smoothing
        self.accuracy_prior = accuracy_prior
        self.abstain_evidence = abstain_evidence
        self.n_iter = n_iter
        self.tol = tol

    def fit(self, votes: ArrayLike, *, n_classes: int | None = None) -> DawidSkeneLabelModel:
        full, k = check_votes(votes, n_classes)
        m = full.shape[1]
        arr = full if self.fit_on == "all" else full[(full >= 0).any(axis=1)]
        n = arr.shape[0]
        codes = answer_indicators(np.where(arr < 0, k, arr), k)
        counts = vote_counts(arr, k)
        total = counts.sum(axis=1, keepdims=True)
        probas = np.where(total > 0, counts / np.maximum(total, 1.0), 1.0 / k)
        if isinstance(self.class_balance, str) and self.class_balance == "votes":
            shares = probas[total[:, 0] > 0].sum(axis=0) + max(self.smoothing, 1e-3)
            fixed = shares / shares.sum()
        else:
            fixed = class_prior(self.class_balance, k)
        self.n_classes_, self.n_functions_ = k, m
        if self.abstain_evidence == "unipolar":
            self.abstain_evidence_ = np.array([len(np.unique(arr[arr[:, j] >= 0, j])) <= 1 for j in range(m)],
                                              dtype=bool)
        else:
            self.abstain_evidence_ = np.full(m, bool(self.abstain_evidence))
        self.n_iter_, self.log_likelihood_ = 0, -np.inf
        prev = -np.inf
        prior, tables = self._m_step(codes, probas, fixed, k)
        for it in range(self.n_iter):
            logits = np.log(prior) + answer_log_likelihood(codes, tables)
            norm = logsumexp(logits, axis=1, keepdims=True)
            probas = np.exp(logits - norm)
            ll = float(norm.sum()) / max(n, 1)
            prior, tables = self._m_step(codes, probas, fixed, k)
            self.n_iter_, self.log_likelihood_ = it + 1, ll
            if ll - prev < self.tol:
                break
            prev = ll
        self.class_balance_ = prior
        self.conditionals_ = tables
        self.probas_ = self._posterior(full)
        voted = 1.0 - tables[:, :, k]  # P(function votes | y)
        correct = np.einsum("y,jyy->j", prior, tables[:, :, :k])
        self.accuracies_ = correct / np.maximum(voted @ prior, 1e-12)
        return self

    def predict_proba(self, votes: ArrayLike) -> np.ndarray:
        return self._posterior(self._check_fitted(votes))

    def _posterior(self, arr: np.ndarray) -> np.ndarray:
        codes = answer_indicators(np.where(arr < 0, self.n_classes_, arr), self.n_classes_)
        logits = np.log(self.class_balance_) + answer_log_likelihood(codes, self.conditionals_)
        out = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
        out[~(arr >= 0).any(axis=1)] = self.class_balance_
        return out

    def _m_step(self, codes: sp.csr_matrix, probas: np.ndarray, fixed: np.ndarray | None, k: int):
        m = codes.shape[1] // (k + 1)
        tables = np.full((m, k, k + 1), float(self.smoothing))
        tables[:, np.arange(k), np.arange(k)] += self.accuracy_prior
        tables += np.asarray(codes.T @ probas).reshape(m, k + 1, k).transpose(0, 2, 1)
        tables /= tables.sum(axis=2, keepdims=True)
        silent = ~self.abstain_evidence_
        if silent.any():
            # Whether these functions vote says nothing about the class: one abstain rate for all classes.
            rate = (tables[silent, :, k] * _class_shares(probas)[None, :]).sum(axis=1)
            voted = tables[silent, :, :k] / tables[silent, :, :k].sum(axis=2, keepdims=True)
            tables[silent, :, :k] = voted * (1.0 - rate)[:, None, None]
            tables[silent, :, k] = rate[:, None]
        if fixed is not None:
            return fixed, tables
        prior = probas.sum(axis=0) + self.smoothing
        return prior / prior.sum(), tables


def _class_shares(probas: np.ndarray) -> np.ndarray:
    total = probas.sum(axis=0)
    return total / total.sum() if total.sum() > 0 else np.full(probas.shape[1], 1.0 / probas.shape[1])
