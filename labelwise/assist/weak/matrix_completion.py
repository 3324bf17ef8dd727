"""Matrix-completion label model (Snorkel MeTaL): function accuracies from vote agreements alone.

A. Ratner, B. Hancock, J. Dunnmon, F. Sala, S. Pandey, C. Ré, "Training Complex Models with
Multi-Task Weak Supervision", AAAI 2019 — the model behind ``snorkel.labeling.model.LabelModel``.
With conditionally independent functions, the second moments of the one-hot votes satisfy
E[λ_i λ_j^T] = μ_i diag(p) μ_j^T for i ≠ j, where μ_i[l, y] = P(function i votes l | y) and p
is the class balance. We fit μ (and optionally p) to the observed off-diagonal blocks plus the
vote marginals by bounded L-BFGS, from Snorkel's start (each function correct with probability
``prec_init`` where it votes), then score tasks with the conditionally independent posterior.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

from labelwise.assist.weak._base import LabelModel, check_votes, class_prior, one_hot
from labelwise.assist.weak.errors import LabelingFunctionError

__all__ = ["MatrixCompletionLabelModel"]

_EPS = 0.01  # Snorkel clamps μ to [0.01, 0.99] when scoring; so do we


class MatrixCompletionLabelModel(LabelModel):
    """MeTaL's moment-matching label model, solved by L-BFGS-B instead of SGD.

    ``class_balance``: ``"uniform"`` (Snorkel's default without a dev set), ``"learn"``
    (p is fitted jointly with μ from the same moments), or K probabilities. ``l2`` pulls μ
    towards its start. ``abstain_evidence``: when True, a function's *not* voting also counts
    (P(abstain | y) = 1 - Σ_l μ[l, y]); Snorkel ignores abstains when scoring (False).
    Learned: ``conditionals_[j, y, v]`` = P(function j answers v | true class y), v = K the
    abstain; ``class_balance_``; ``accuracies_``; ``probas_``; ``loss_``.
    """

    def __init__(self, *, class_balance="uniform", l2: float = 0.0, prec_init: float = 0.7,
                 abstain_evidence: bool = False, max_iter: int = 500) -> None:
        if l2 < 0 or not 0 < prec_init < 1 or max_iter < 1:
            raise LabelingFunctionError("l2 must be >= 0, prec_init in (0, 1), max_iter >= 1.")
        self.class_balance = class_balance
        self.l2 = l2
        self.prec_init = prec_init
        self.abstain_evidence = abstain_evidence
        self.max_iter = max_iter

    def fit(self, votes: ArrayLike, *, n_classes: int | None = None) -> MatrixCompletionLabelModel:
        arr, k = check_votes(votes, n_classes)
        n, m = arr.shape
        fixed = class_prior(self.class_balance, k)
        x = one_hot(arr, k, with_abstain=False).reshape(n, m * k)
        o = (x.T @ x) / max(n, 1)
        marg = np.diag(o).copy()
        block = np.repeat(np.arange(m), k)
        weights = (block[:, None] != block[None, :]).astype(float)
        p0 = fixed if fixed is not None else np.full(k, 1.0 / k)
        mu0 = np.zeros((m * k, k))
        for y in range(k):
            rows = np.arange(m) * k + y
            mu0[rows, y] = np.clip(marg[rows] * self.prec_init / p0[y], 0.0, 1.0)
        size = m * k * k

        def loss(theta: np.ndarray):
            mu = theta[:size].reshape(m * k, k)
            if fixed is None:
                p = softmax(theta[size:])
            else:
                p = fixed
            r = weights * (mu * p @ mu.T - o)
            r2 = mu @ p - marg
            d = mu - mu0
            value = (r * (mu * p @ mu.T - o)).sum() + r2 @ r2 + self.l2 * (d * d).sum()
            g_mu = 4.0 * (r @ mu) * p + 2.0 * r2[:, None] * p[None, :] + 2.0 * self.l2 * d
            if fixed is not None:
                return value, g_mu.ravel()
            g_p = 2.0 * np.einsum("ay,ab,by->y", mu, r, mu) + 2.0 * mu.T @ r2
            g_z = p * (g_p - p @ g_p)
            return value, np.concatenate([g_mu.ravel(), g_z])

        start = mu0.ravel() if fixed is not None else np.concatenate([mu0.ravel(), np.zeros(k)])
        bounds = [(0.0, 1.0)] * size + ([] if fixed is not None else [(-5.0, 5.0)] * k)
        res = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": self.max_iter})
        mu = res.x[:size].reshape(m, k, k)  # [j, vote l, y]
        self.class_balance_ = fixed if fixed is not None else softmax(res.x[size:])
        self.loss_ = float(res.fun)
        self.n_classes_, self.n_functions_ = k, m
        voted = np.clip(mu, _EPS, 1 - _EPS).transpose(0, 2, 1)  # [j, y, l]
        abstain = np.clip(1.0 - mu.sum(axis=1), _EPS, 1 - _EPS)  # [j, y]
        self.conditionals_ = np.concatenate([voted, abstain[:, :, None]], axis=2)
        p = self.class_balance_
        correct = np.einsum("y,jyy->j", p, mu.transpose(0, 2, 1))
        self.accuracies_ = np.clip(correct / np.maximum(mu.sum(axis=1) @ p, 1e-12), 0.0, 1.0)
        self.probas_ = self._posterior(arr)
        return self

    def predict_proba(self, votes: ArrayLike) -> np.ndarray:
        return self._posterior(self._check_fitted(votes))

    def _posterior(self, arr: np.ndarray) -> np.ndarray:
        k = self.n_classes_
        log_t = np.log(self.conditionals_).transpose(0, 2, 1)  # [j, answer, y]
        if not self.abstain_evidence:
            log_t = log_t.copy()
            log_t[:, k, :] = 0.0
        codes = np.where(arr < 0, k, arr)
        logits = np.tile(np.log(self.class_balance_), (arr.shape[0], 1))
        for j in range(arr.shape[1]):
            logits += log_t[j][codes[:, j]]
        out = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
        out[~(arr >= 0).any(axis=1)] = self.class_balance_  # no vote, no evidence
        return out
