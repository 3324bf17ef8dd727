"""Choose a categorical aggregation method by held-out evidence, and say why.

With enough gold tasks each candidate is scored by its accuracy on them; the aggregators never
see gold while fitting, so this is held-out accuracy (Wilson 95% intervals; the lead over the
runner-up gets a paired bootstrap interval). Without gold, a share of the judgements is withheld
and each method, fitted on the rest, is scored by the log-likelihood it gives the withheld labels
(its task posteriors combined with its annotator model), the predictive check of Gelman, Hwang
& Vehtari, "Understanding predictive information criteria for Bayesian models", Statistics and
Computing 24, 2014, applied to crowd models. Returns the choice, every candidate's score and a
readable reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit

from labelwise.quality.aggregation import (
    GLAD,
    MACE,
    DawidSkene,
    MajorityVote,
    OneCoinDawidSkene,
    WeightedMajorityVote,
)
from labelwise.quality.aggregation._base import (
    CategoricalAggregator,
    Coded,
    check_codes,
)
from labelwise.quality.errors import QualityInputError

__all__ = ["METHODS", "MethodName", "MethodChoice", "MethodScore", "choose_method", "make_aggregator"]

MethodName = Literal["mv", "wmv", "onecoin", "ds", "glad", "mace"]
# In order of simplicity: an exact tie goes to the earlier one.
METHODS: dict[str, str] = {
    "mv": "Majority vote",
    "wmv": "Weighted majority vote",
    "onecoin": "One-coin Dawid–Skene",
    "ds": "Dawid–Skene",
    "glad": "GLAD",
    "mace": "MACE",
}
assert list(METHODS) == list(get_args(MethodName))
_CLASSES = {"mv": MajorityVote, "wmv": WeightedMajorityVote, "onecoin": OneCoinDawidSkene,
            "ds": DawidSkene, "glad": GLAD, "mace": MACE}
_FLOOR = 1e-6  # smallest probability a withheld label is given, so one miss is not -inf


@dataclass(frozen=True)
class MethodScore:
    """One candidate's score: ``value`` with a 95% interval ``[low, high]`` over ``n`` items.

    For ``criterion="gold_accuracy"`` ``value`` is the share of ``n`` gold tasks right; for
    ``"heldout_log_likelihood"`` the mean natural-log likelihood of ``n`` withheld labels
    (closer to 0 is better). ``error`` is set instead when the method could not be fitted.
    """

    method: str
    value: float
    low: float
    high: float
    n: int
    error: str | None = None


@dataclass(frozen=True)
class MethodChoice:
    """The chosen ``method``, how it was judged, all candidates' scores and why, in words."""

    method: str
    criterion: str
    scores: dict[str, MethodScore]
    reason: str

    def ranking(self) -> list[str]:
        """Fitted candidates from best to worst score."""
        ok = [s for s in self.scores.values() if s.error is None]
        order = list(METHODS)
        return [s.method for s in sorted(ok, key=lambda s: (-s.value, order.index(s.method)))]


def make_aggregator(method: str, **params) -> CategoricalAggregator:
    """A fresh aggregator for a method key of :data:`METHODS`, with its defaults unless overridden."""
    if method not in _CLASSES:
        raise QualityInputError(f"Unknown method {method!r}; choose from {list(METHODS)}.")
    return _CLASSES[method](**params)


def choose_method(tasks: ArrayLike, workers: ArrayLike, labels: ArrayLike, *,
                  gold_tasks: ArrayLike | None = None, gold_labels: ArrayLike | None = None,
                  candidates: Sequence[str] | None = None, min_gold: int = 30,
                  holdout: float = 0.15, n_splits: int = 3,
                  seed: int | np.random.Generator | None = 0, n_tasks: int | None = None,
                  n_workers: int | None = None, n_labels: int | None = None) -> MethodChoice:
    """Score the candidate methods on held-out evidence and pick the best.

    ``gold_tasks``/``gold_labels``: task codes with a known answer and that answer. When at
    least ``min_gold`` gold tasks have judgements, methods are ranked by accuracy on them;
    otherwise (or without gold) by the mean log-likelihood of withheld labels: ``n_splits``
    times, a random ``holdout`` share of the judgements (only from annotators and tasks with at
    least two, and never an annotator's or task's last one) is withheld, every method is fitted
    on the rest, and each withheld label l from annotator w on task t is scored
    log Σ_j P(truth j | the rest) · P(w answers l | j). Each method is scored with its own
    annotator model; majority vote's is its assumption that all annotators are alike (one shared
    accuracy, errors spread evenly), weighted majority vote's a one-coin model with each
    annotator's agreement as accuracy. ``candidates`` defaults to all of :data:`METHODS`
    (skill models need two annotators; a method that cannot be fitted is reported, not chosen).
    """
    coded = check_codes(tasks, workers, labels, n_tasks=n_tasks, n_workers=n_workers,
                        n_labels=n_labels)
    names = list(METHODS) if candidates is None else list(dict.fromkeys(candidates))
    for name in names:
        if name not in METHODS:
            raise QualityInputError(f"Unknown method {name!r}; choose from {list(METHODS)}.")
    if not names:
        raise QualityInputError("Give at least one candidate method.")
    if not 0 < holdout < 1 or n_splits < 1 or min_gold < 1:
        raise QualityInputError("holdout must be in (0, 1), n_splits and min_gold >= 1.")
    rng = np.random.default_rng(seed)

    gold = _gold(coded, gold_tasks, gold_labels)
    if gold is not None and len(gold[0]) >= min_gold:
        scores = _gold_scores(coded, names, gold)
        return _decide(scores, "gold_accuracy", gold_note=None, rng=rng, coded=coded, gold=gold)
    note = None
    if gold is not None:
        note = (f"Only {len(gold[0])} gold task{'s' if len(gold[0]) != 1 else ''} with answers "
                f"(fewer than {min_gold}), so gold was not used. ")
    scores, per_label = _heldout_scores(coded, names, holdout, n_splits, rng)
    return _decide(scores, "heldout_log_likelihood", gold_note=note, rng=rng, per_label=per_label)


def _gold(coded: Coded, gold_tasks, gold_labels):
    if gold_tasks is None and gold_labels is None:
        return None
    if gold_tasks is None or gold_labels is None:
        raise QualityInputError("Give gold_tasks and gold_labels together.")
    t = np.asarray(gold_tasks, dtype=np.intp).ravel()
    y = np.asarray(gold_labels, dtype=np.intp).ravel()
    if t.shape != y.shape:
        raise QualityInputError("gold_tasks and gold_labels must have the same length.")
    if len(t) and (t.min() < 0 or t.max() >= coded.n_tasks or y.min() < 0 or y.max() >= coded.n_labels):
        raise QualityInputError("gold task or label codes are out of range.")
    judged = np.bincount(coded.tasks, minlength=coded.n_tasks) > 0
    keep = judged[t]
    return t[keep], y[keep]


def _fit(name: str, coded: Coded, keep: np.ndarray | None = None):
    sel = slice(None) if keep is None else keep
    return make_aggregator(name).fit(coded.tasks[sel], coded.workers[sel], coded.labels[sel],
                                     n_tasks=coded.n_tasks, n_workers=coded.n_workers,
                                     n_labels=coded.n_labels)


def _gold_scores(coded: Coded, names, gold) -> dict[str, tuple[MethodScore, np.ndarray | None]]:
    t, y = gold
    out = {}
    for name in names:
        try:
            hit = (_fit(name, coded).labels_[t] == y).astype(float)
        except QualityInputError as exc:
            out[name] = (MethodScore(name, float("nan"), float("nan"), float("nan"), len(t), str(exc)), None)
            continue
        low, high = _wilson(hit.sum(), len(hit))
        out[name] = (MethodScore(name, float(hit.mean()), low, high, len(hit)), hit)
    return out


def _heldout_scores(coded: Coded, names, holdout, n_splits, rng):
    per_label: dict[str, list[np.ndarray]] = {name: [] for name in names}
    errors: dict[str, str] = {}
    for _ in range(n_splits):
        held = _withhold(coded, holdout, rng)
        if not held.any():
            break
        keep = ~held
        for name in names:
            if name in errors:
                continue
            try:
                model = _fit(name, coded, keep)
            except QualityInputError as exc:
                errors[name] = str(exc)
                continue
            p = _predict(name, model, coded, keep, held)
            per_label[name].append(np.log(np.maximum(p, _FLOOR)))
    if not any(per_label.values()) and not errors:
        raise QualityInputError(
            "Too few judgements to compare methods without gold: no annotator and task both have "
            "two or more judgements to withhold one from. Add gold tasks or more overlap."
        )
    out = {}
    for name in names:
        if name in errors or not per_label[name]:
            msg = errors.get(name, "not enough judgements to withhold")
            out[name] = (MethodScore(name, float("nan"), float("nan"), float("nan"), 0, msg), None)
            continue
        v = np.concatenate(per_label[name])
        half = 1.96 * v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else float("inf")
        out[name] = (MethodScore(name, float(v.mean()), float(v.mean() - half),
                                 float(v.mean() + half), len(v)), v)
    return out, per_label


def _withhold(coded: Coded, share: float, rng) -> np.ndarray:
    """Random rows to withhold, never the last judgement of an annotator or a task."""
    n = len(coded.tasks)
    held = rng.random(n) < share
    for codes, size in ((coded.workers, coded.n_workers), (coded.tasks, coded.n_tasks)):
        kept = np.bincount(codes[~held], minlength=size)
        orphan = np.flatnonzero(held & (kept[codes] == 0))
        # For each annotator/task with nothing left, give back its first withheld row.
        _, first = np.unique(codes[orphan], return_index=True)
        held[orphan[first]] = False
    return held


def _predict(name: str, model, coded: Coded, keep: np.ndarray, held: np.ndarray) -> np.ndarray:
    """P(the withheld label) under the model fitted without it."""
    t, w, y = coded.tasks[held], coded.workers[held], coded.labels[held]
    k = coded.n_labels
    q = model.probas_[t]                                        # P(truth j | the rest)
    if name in ("ds", "onecoin"):
        return np.einsum("nj,nj->n", q, model.errors_[w, :, y])
    if name == "mace":
        theta, xi = model.competences_[w], model.spam_probas_[w, y]
        return theta * q[np.arange(len(t)), y] + (1.0 - theta) * xi
    if name == "glad":
        right = expit(model.alphas_[w] * model.betas_[t])
        if k == 1:
            return np.ones(len(t))
        q_y = q[np.arange(len(t)), y]
        return q_y * right + (1.0 - q_y) * (1.0 - right) / (k - 1)
    if name == "wmv":
        # One-coin model with the annotator's agreement, shrunk by a pseudo-count toward chance.
        kt, kw, ky = coded.tasks[keep], coded.workers[keep], coded.labels[keep]
        agree = np.bincount(kw, weights=(model.labels_[kt] == ky).astype(float), minlength=coded.n_workers)
        n = np.bincount(kw, minlength=coded.n_workers)
        skill = ((agree + 1.0 / k) / (n + 1.0))[w]
        q_y = q[np.arange(len(t)), y]
        return q_y * skill + (1.0 - q_y) * (1.0 - skill) / max(k - 1, 1)
    # Majority vote's own assumption: all annotators alike, one accuracy, errors spread evenly.
    kt, ky = coded.tasks[keep], coded.labels[keep]
    skill = (model.probas_[kt, ky].sum() + 1.0 / k) / (len(kt) + 1.0)
    q_y = q[np.arange(len(t)), y]
    return q_y * skill + (1.0 - q_y) * (1.0 - skill) / max(k - 1, 1)


def _wilson(hits: float, n: int) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    z = 1.96
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def _paired_interval(a: np.ndarray, b: np.ndarray, rng, *, bootstrap: bool) -> tuple[float, float]:
    """95% interval for mean(a − b): paired bootstrap (gold) or normal approximation."""
    d = a - b
    if len(d) < 2:
        return float("-inf"), float("inf")
    if bootstrap:
        idx = rng.integers(0, len(d), (2000, len(d)))
        means = d[idx].mean(axis=1)
        return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))
    half = 1.96 * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean() - half), float(d.mean() + half)


def _decide(scored, criterion, *, gold_note, rng, coded=None, gold=None, per_label=None) -> MethodChoice:
    scores = {name: s for name, (s, _) in scored.items()}
    values = {name: v for name, (_, v) in scored.items() if v is not None}
    if not values:
        problems = "; ".join(f"{METHODS[n]}: {s.error}" for n, s in scores.items())
        raise QualityInputError(f"No candidate method could be fitted ({problems}).")
    order = list(METHODS)
    ranked = sorted(values, key=lambda n: (-scores[n].value, order.index(n)))
    best = ranked[0]
    s = scores[best]
    if criterion == "gold_accuracy":
        head = (f"Judged by accuracy on {s.n} gold tasks, which no method sees while fitting: "
                f"{METHODS[best]} gets {s.value:.1%} right (95% CI {s.low:.1%}–{s.high:.1%}).")
        unit, fmt = "points", (lambda x: f"{100 * x:.1f}")
    else:
        head = (f"{gold_note or 'No gold tasks. '}Methods were judged by how well they predict "
                f"labels withheld from fitting ({s.n} labels over several random splits): "
                f"{METHODS[best]} gives them the highest mean log-likelihood, {s.value:.3f} per label.")
        unit, fmt = "per label", (lambda x: f"{x:.3f}")
    parts = [head]
    if len(ranked) > 1:
        second = ranked[1]
        low, high = _paired_interval(values[best], values[second], rng,
                                     bootstrap=criterion == "gold_accuracy")
        lead = scores[best].value - scores[second].value
        verdict = ("a clear lead" if low > 0 else
                   "within noise, so either would do")
        parts.append(f"Runner-up {METHODS[second]}: {fmt(scores[second].value)}; the lead is "
                     f"{fmt(lead)} {unit} (95% CI {fmt(low)} to {fmt(high)}), {verdict}.")
        if "mv" in values and best != "mv" and second != "mv":
            parts.append(f"Majority vote: {fmt(scores['mv'].value)}.")
    failed = [n for n, sc in scores.items() if sc.error is not None]
    if failed:
        parts.append("Not scored: " + "; ".join(f"{METHODS[n]} ({scores[n].error})" for n in failed) + ".")
    return MethodChoice(best, criterion, scores, " ".join(parts))
