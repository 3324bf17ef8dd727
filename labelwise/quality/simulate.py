"""Simulated crowds with known truth, for checking an aggregation method before trusting it.

:func:`simulate_crowd` draws true labels and per-annotator confusion matrices, assigns annotators
to items with a chosen activity profile (even, or long-tailed so many annotators give only 1-5
labels), and samples their answers. :data:`SCENARIOS` names the crowd shapes the aggregators'
defaults were chosen on (``benchmarks/aggregation_generalisation.py``); the method-choice tests
use them as cases where the right answer is known. Workers follow the Dawid–Skene model
(Dawid & Skene 1979), with spammers (uniform answers, Raykar & Yu, JMLR 2012) and adversarial
annotators (a systematic wrong answer per class) mixed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labelwise.quality.errors import QualityInputError

__all__ = ["SCENARIOS", "SimulatedCrowd", "simulate_crowd"]

ACTIVITIES = ("even", "long_tail")
CONFUSIONS = ("uniform", "dirichlet", "adjacent")


@dataclass(frozen=True)
class SimulatedCrowd:
    """Long-format judgements plus what produced them.

    ``tasks``, ``workers``, ``labels`` are integer codes, one row per judgement; ``truth[t]``
    is task t's true label; ``confusion[w, j, l]`` = P(worker w answers l | truth j);
    ``kind[w]`` is ``"normal"``, ``"spammer"`` or ``"adversarial"``.
    """

    tasks: np.ndarray
    workers: np.ndarray
    labels: np.ndarray
    truth: np.ndarray
    confusion: np.ndarray
    kind: np.ndarray

    @property
    def sizes(self) -> dict[str, int]:
        """``n_tasks``, ``n_workers``, ``n_labels`` as keyword arguments for ``fit``."""
        return {"n_tasks": len(self.truth), "n_workers": self.confusion.shape[0],
                "n_labels": self.confusion.shape[1]}

    def accuracy(self, predicted: np.ndarray) -> float:
        """Share of tasks whose predicted label code equals the truth."""
        return float(np.mean(np.asarray(predicted) == self.truth))


def simulate_crowd(*, n_tasks: int = 1000, n_workers: int = 50, n_classes: int = 2,
                   labels_per_task: int | tuple[int, int] = 5, activity: str = "even",
                   class_priors: tuple[float, ...] | None = None,
                   accuracy: tuple[float, float] = (0.55, 0.95), confusion: str = "dirichlet",
                   spammer_share: float = 0.0, adversarial_share: float = 0.0,
                   seed: int | np.random.Generator | None = None) -> SimulatedCrowd:
    """Draw a crowd.

    ``labels_per_task``: a fixed count or an inclusive ``(low, high)`` range drawn per task.
    ``activity="long_tail"`` makes annotator activity log-normal (σ = 2), so a few do most of
    the work and many give a handful of labels; ``"even"`` spreads work evenly. ``accuracy`` is
    the range normal annotators' per-class accuracy is drawn from. Their errors are spread
    ``"uniform"``-ly over the wrong labels, by a ``"dirichlet"`` draw per (annotator, class),
    or to the ``"adjacent"`` classes (ordinal-like confusion). ``class_priors`` defaults to
    uniform; which label code gets which prior is shuffled so a rare class is not always the
    lowest code. Spammers answer uniformly at random; adversarial annotators give one fixed
    wrong label per true class with probability 0.8.
    """
    if activity not in ACTIVITIES:
        raise QualityInputError(f"activity must be one of {ACTIVITIES}, got {activity!r}.")
    if confusion not in CONFUSIONS:
        raise QualityInputError(f"confusion must be one of {CONFUSIONS}, got {confusion!r}.")
    lo, hi = (labels_per_task, labels_per_task) if isinstance(labels_per_task, int) else labels_per_task
    if n_classes < 2 or n_tasks < 1 or not 1 <= lo <= hi <= n_workers:
        raise QualityInputError("Need n_classes >= 2, n_tasks >= 1 and 1 <= labels_per_task <= n_workers.")
    if spammer_share < 0 or adversarial_share < 0 or spammer_share + adversarial_share > 1:
        raise QualityInputError("spammer_share and adversarial_share must be >= 0 and sum to <= 1.")
    rng = np.random.default_rng(seed)
    k = n_classes
    priors = np.full(k, 1.0 / k) if class_priors is None else np.asarray(class_priors, float)
    if priors.shape != (k,) or (priors < 0).any() or priors.sum() <= 0:
        raise QualityInputError(f"class_priors needs {k} non-negative values.")
    priors = rng.permutation(priors / priors.sum())
    truth = rng.choice(k, n_tasks, p=priors)

    kind = np.full(n_workers, "normal", dtype=object)
    order = rng.permutation(n_workers)
    n_spam = round(spammer_share * n_workers)
    n_adv = round(adversarial_share * n_workers)
    kind[order[:n_spam]] = "spammer"
    kind[order[n_spam:n_spam + n_adv]] = "adversarial"
    conf = _confusions(rng, n_workers, k, accuracy, confusion)
    conf[kind == "spammer"] = 1.0 / k
    for w in np.flatnonzero(kind == "adversarial"):
        target = (np.arange(k) + rng.integers(1, k, k)) % k  # a wrong label per true class
        conf[w] = 0.2 / (k - 1)
        conf[w, np.arange(k), np.arange(k)] = 0.0
        conf[w, np.arange(k), target] += 0.8 - 0.2 / (k - 1)
        conf[w] /= conf[w].sum(axis=1, keepdims=True)

    per_task = rng.integers(lo, hi + 1, n_tasks)
    if activity == "long_tail":
        log_weight = rng.normal(0.0, 2.0, n_workers)
    else:
        log_weight = np.zeros(n_workers)
    # Gumbel top-k: per task, hi distinct annotators drawn with probability ∝ weight, in order.
    keys = log_weight[None, :] + rng.gumbel(size=(n_tasks, n_workers))
    chosen = np.argsort(-keys, axis=1)[:, :hi]
    keep = np.arange(hi)[None, :] < per_task[:, None]
    tasks = np.broadcast_to(np.arange(n_tasks)[:, None], chosen.shape)[keep]
    workers = chosen[keep]
    cum = np.cumsum(conf[workers, truth[tasks]], axis=1)
    labels = np.minimum((rng.random(len(tasks))[:, None] > cum).sum(axis=1), k - 1)
    return SimulatedCrowd(tasks.astype(np.intp), workers.astype(np.intp), labels.astype(np.intp),
                          truth.astype(np.intp), conf, kind)


def _confusions(rng, n_workers: int, k: int, accuracy, confusion: str) -> np.ndarray:
    lo, hi = accuracy
    acc = rng.uniform(lo, hi, (n_workers, k))
    if confusion == "uniform":
        acc = np.repeat(acc[:, :1], k, axis=1)  # one accuracy per annotator: the one-coin model
        off = np.full((n_workers, k, k - 1), 1.0 / (k - 1))
    elif confusion == "dirichlet":
        off = rng.dirichlet(np.ones(k - 1), (n_workers, k))
    else:
        j = np.arange(k)
        dist = np.abs(j[:, None] - j[None, :]).astype(float)
        base = np.where(dist > 0, 1.0 / np.maximum(dist, 1.0) ** 3, 0.0)
        off = np.stack([np.delete(base[c], c) for c in range(k)])
        off = np.broadcast_to(off / off.sum(axis=1, keepdims=True), (n_workers, k, k - 1))
    conf = np.zeros((n_workers, k, k))
    for j in range(k):
        others = [c for c in range(k) if c != j]
        conf[:, j, j] = acc[:, j]
        conf[:, j, others] = (1.0 - acc[:, j])[:, None] * off[:, j]
    return conf


# The crowd shapes the aggregators' defaults were chosen on; see benchmarks/aggregation_generalisation.py.
SCENARIOS: dict[str, dict] = {
    "sparse_workers": {"n_tasks": 2000, "n_workers": 600, "n_classes": 4, "labels_per_task": (3, 8),
                       "activity": "long_tail", "class_priors": (0.45, 0.3, 0.15, 0.1),
                       "accuracy": (0.4, 0.9)},
    "spammers": {"n_tasks": 800, "n_workers": 40, "n_classes": 3, "labels_per_task": 5,
                 "accuracy": (0.6, 0.95), "spammer_share": 0.35},
    "adversarial": {"n_tasks": 800, "n_workers": 40, "n_classes": 3, "labels_per_task": 5,
                    "accuracy": (0.6, 0.95), "spammer_share": 0.15, "adversarial_share": 0.15},
    "class_imbalance": {"n_tasks": 1500, "n_workers": 40, "n_classes": 3, "labels_per_task": 5,
                        "class_priors": (0.85, 0.1, 0.05), "accuracy": (0.5, 0.9)},
    "few_per_task": {"n_tasks": 2000, "n_workers": 60, "n_classes": 2, "labels_per_task": (1, 3),
                     "accuracy": (0.55, 0.95)},
    "many_classes": {"n_tasks": 800, "n_workers": 40, "n_classes": 10, "labels_per_task": 5,
                     "accuracy": (0.4, 0.9)},
    "confusion_structured": {"n_tasks": 1000, "n_workers": 40, "n_classes": 5, "labels_per_task": 5,
                             "accuracy": (0.35, 0.85), "confusion": "adjacent"},
    "casual_crowd": {"n_tasks": 600, "n_workers": 200, "n_classes": 3, "labels_per_task": 3,
                     "accuracy": (0.65, 0.75), "confusion": "uniform"},
    "one_coin_dense": {"n_tasks": 300, "n_workers": 20, "n_classes": 2, "labels_per_task": 20,
                       "accuracy": (0.55, 0.85), "confusion": "uniform"},
}
