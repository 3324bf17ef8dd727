"""Simulated weak-supervision vote matrices with known truth, for tests and for choosing defaults.

Each function has an accuracy (P(its vote is right | it votes)) and a coverage (P(it votes)).
A *unipolar* function votes one class only, as keyword rules do: it fires more often on its
class than elsewhere, at the rates that give the drawn accuracy and coverage under the class
balance. A *multipolar* function votes on a random share of tasks and is right with its
accuracy. A *correlated* function copies an earlier function's vote most of the time, which
breaks the conditional independence every label model here assumes (as near-duplicate rules do).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SimulatedSet", "simulate"]


@dataclass(frozen=True)
class SimulatedSet:
    votes: np.ndarray        # (n_tasks, n_functions), -1 abstain
    truth: np.ndarray        # (n_tasks,)
    accuracies: np.ndarray   # the drawn per-function accuracy
    coverages: np.ndarray    # the drawn per-function coverage


def simulate(*, n_tasks: int = 2000, n_functions: int = 10, n_classes: int = 2,
             class_balance: np.ndarray | None = None, accuracy: tuple[float, float] = (0.6, 0.9),
             coverage: tuple[float, float] = (0.05, 0.4), unipolar: float = 0.8,
             correlated: float = 0.0, copy_rate: float = 0.8,
             seed: int | np.random.Generator | None = None) -> SimulatedSet:
    """Draw a vote matrix and its truth; every argument is a property of the drawn set."""
    rng = np.random.default_rng(seed)
    k = n_classes
    p = np.full(k, 1.0 / k) if class_balance is None else np.asarray(class_balance, dtype=float)
    y = rng.choice(k, size=n_tasks, p=p)
    votes = np.full((n_tasks, n_functions), -1, dtype=np.int64)
    accs = rng.uniform(*accuracy, size=n_functions)
    covs = rng.uniform(*coverage, size=n_functions)
    for j in range(n_functions):
        if j > 0 and rng.random() < correlated:
            src = int(rng.integers(j))
            own = _draw(rng, y, k, p, accs[j], covs[j], rng.random() < unipolar)
            keep = rng.random(n_tasks) < copy_rate
            votes[:, j] = np.where(keep, votes[:, src], own)
        else:
            votes[:, j] = _draw(rng, y, k, p, accs[j], covs[j], rng.random() < unipolar)
    return SimulatedSet(votes, y, accs, covs)


def _draw(rng: np.random.Generator, y: np.ndarray, k: int, p: np.ndarray, acc: float, cov: float,
          unipolar: bool) -> np.ndarray:
    n = len(y)
    out = np.full(n, -1, dtype=np.int64)
    if unipolar:
        t = int(rng.integers(k))
        cov = min(cov, p[t] / acc * 0.999)  # P(fire | y = t) must stay <= 1
        fire_on = acc * cov / p[t]
        fire_off = (1 - acc) * cov / max(1 - p[t], 1e-12)
        fires = rng.random(n) < np.where(y == t, fire_on, fire_off)
        out[fires] = t
        return out
    fires = rng.random(n) < cov
    right = rng.random(n) < acc
    wrong = (y + rng.integers(1, k, size=n)) % k
    out[fires] = np.where(right, y, wrong)[fires]
    return out
