"""Label-error detection: labelwise's default detector against cleanlab, on injected label noise.

Usage: ``nice -n 10 python benchmarks/label_errors.py [--seeds 5] [--datasets digits youtube ...]``; a run
split over processes (``--datasets``, ``--kinds``, ``--first-seed``, ``--out``) is summarised with
``--combine A.json B.json ...``. Writes
``benchmarks/results/label_errors.json`` and ``label_errors.png``.

Noise is injected into each data set at 5 / 10 / 20 %, uniform (a flipped item gets any other class) or
class-conditional (each class its own flip rate, averaging the given rate, and its own skewed spread of
wrong classes), and every detector is scored by precision and recall against the flips. Per run:

- **labelwise** (the product default, ``labelwise.core.review.label_errors``): the mean of the 5-fold
  out-of-sample probabilities of the model families for the data type
  (``labelwise.assist.models.families``: linear, neighbours, trees, kernel for numbers; calibrated
  linear SVM, logistic regression, naive Bayes for text), then ``ConfidentLearning``;
- **cleanlab's default pipeline**: ``cleanlab.classification.CleanLearning`` with the data set's usual
  single model (standardised logistic regression; TF-IDF + logistic regression for text), its own
  5-fold cross-validation and its default filter;
- **cleanlab on the same probabilities**: ``cleanlab.filter.find_label_issues`` on labelwise's
  ensemble probabilities, with its default filter and with each of ours (flags must be identical to
  ours filter by filter; the same check runs on the single model's probabilities).

The filter is chosen by a rule fixed before the runs, on the validation sets only (breast_cancer, wine,
iris): the filter whose flags are at least cleanlab's default pipeline on both precision and recall
(means over seeds) in the most validation cells, ties broken by mean F1 and then by the order of
``FILTERS``. Digits and YouTube are the test sets: nothing is chosen on them. cleanlab is a
benchmark/test oracle only.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import load, model  # noqa: E402

from labelwise.assist.crossval import cross_val_pred_proba  # noqa: E402
from labelwise.assist.label_errors import FILTERS, ConfidentLearning  # noqa: E402
from labelwise.assist.models.families import numeric_families, text_families  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TEST = ("digits", "youtube")
VALIDATE = ("breast_cancer", "wine", "iris")
CANDIDATES = tuple(f for f in FILTERS if f != "predicted_neq_given")
METRICS = ("precision", "recall", "f1")
FOLDS = 5


def inject(labels: np.ndarray, rate: float, kind: str, rng: np.random.Generator) -> np.ndarray:
    """A copy of `labels` with round(rate * N) items flipped to a different class."""
    k = labels.max() + 1
    noisy = labels.copy()
    if kind == "uniform":
        flip = rng.choice(len(labels), round(rate * len(labels)), replace=False)
        noisy[flip] = (labels[flip] + rng.integers(1, k, len(flip))) % k
        return noisy
    # Class-conditional: per-class rates in [0.5, 1.5] x rate (rescaled to average `rate`), and
    # per-class destinations from a sparse Dirichlet, so errors concentrate on a few class pairs.
    counts = np.bincount(labels, minlength=k)
    rates = rng.uniform(0.5, 1.5, k)
    rates *= rate * len(labels) / (rates * counts).sum()
    for c in range(k):
        members = np.flatnonzero(labels == c)
        flip = rng.choice(members, min(len(members), round(rates[c] * len(members))), replace=False)
        dest = rng.dirichlet(np.full(k - 1, 0.3))
        others = np.delete(np.arange(k), c)
        noisy[flip] = rng.choice(others, len(flip), p=dest)
    return noisy


def score(flags: np.ndarray, truth: np.ndarray) -> dict:
    tp = int((flags & truth).sum())
    precision = tp / flags.sum() if flags.any() else 1.0
    recall = tp / truth.sum()
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"flagged": int(flags.sum()), "precision": precision, "recall": recall, "f1": f1}


def families(name: str) -> list:
    return text_families(field=None) if name == "youtube" else numeric_families()


def run_one(name, X, y, rate, kind, seed, cleanlab) -> dict:
    rng = np.random.default_rng([seed, int(rate * 1000), kind == "uniform"])
    noisy = inject(y, rate, kind, rng)
    truth = noisy != y
    start = time.perf_counter()
    members = [cross_val_pred_proba(m, X, noisy, n_folds=FOLDS, seed=seed) for m in families(name)]
    ensemble = np.mean(members, axis=0)
    ensemble_s = time.perf_counter() - start
    single = cross_val_pred_proba(model(name), X, noisy, n_folds=FOLDS, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        pipeline = cleanlab.classification.CleanLearning(model(name), seed=seed, cv_n_folds=FOLDS)
        pipeline_flags = pipeline.find_label_issues(X, noisy)["is_label_issue"].to_numpy()
        pipeline_s = time.perf_counter() - start
        theirs = {probs: {f: cleanlab.filter.find_label_issues(noisy, p, filter_by=f, n_jobs=1) for f in CANDIDATES}
                  for probs, p in (("ensemble", ensemble), ("single", single))}
    ours = {probs: {f: ConfidentLearning(filter_by=f).fit(noisy, p).issues_ for f in CANDIDATES}
            for probs, p in (("ensemble", ensemble), ("single", single))}
    return {
        "dataset": name, "kind": kind, "rate": rate, "seed": seed, "n": len(y), "errors": int(truth.sum()),
        "seconds": {"labelwise_probabilities": round(ensemble_s, 2), "cleanlab_pipeline": round(pipeline_s, 2)},
        "labelwise": {f: score(ours["ensemble"][f], truth) for f in CANDIDATES},
        "cleanlab_pipeline": score(pipeline_flags, truth),
        "cleanlab_same_probabilities": {f: score(theirs["ensemble"][f], truth) for f in CANDIDATES},
        "cleanlab_single_model": score(theirs["single"]["prune_by_noise_rate"], truth),
        "members": [score(ConfidentLearning(filter_by="prune_by_noise_rate").fit(noisy, p).issues_, truth)
                    for p in members],
        "identical_flags": all(np.array_equal(ours[p][f], theirs[p][f]) for p in ours for f in CANDIDATES),
    }


def _mean(rs: list[dict], *path: str) -> dict:
    def get(r):
        for key in path:
            r = r[key]
        return r
    return {m: float(np.mean([get(r)[m] for r in rs])) for m in METRICS}


def _at_least(a: dict, b: dict) -> bool:
    return a["precision"] >= b["precision"] and a["recall"] >= b["recall"]


def choose_filter(cells: list[dict]) -> str:
    """The rule fixed in advance: most validation cells at least cleanlab's default pipeline on both
    precision and recall, then mean F1, then the order of FILTERS."""
    held = [c for c in cells if c["dataset"] in VALIDATE]

    def key(f):
        wins = sum(_at_least(c["labelwise"][f], c["cleanlab_pipeline"]) for c in held)
        return wins, float(np.mean([c["labelwise"][f]["f1"] for c in held]))
    return max(CANDIDATES, key=key)  # max keeps the first of equal keys


def summarise(rows: list[dict], default: str) -> dict:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["dataset"], row["kind"], row["rate"]), []).append(row)
    cells = []
    for (dataset, kind, rate), rs in sorted(groups.items()):
        cells.append({
            "dataset": dataset, "kind": kind, "rate": rate, "seeds": len(rs),
            "labelwise": {f: _mean(rs, "labelwise", f) for f in CANDIDATES},
            "cleanlab_pipeline": _mean(rs, "cleanlab_pipeline"),
            "cleanlab_same_probabilities": {f: _mean(rs, "cleanlab_same_probabilities", f) for f in CANDIDATES},
            "cleanlab_single_model": _mean(rs, "cleanlab_single_model"),
            "identical_flags": all(r["identical_flags"] for r in rs),
        })
    chosen = choose_filter(cells)
    report = {}
    for dataset in dict.fromkeys(c["dataset"] for c in cells):
        mine = [c for c in cells if c["dataset"] == dataset]
        ours = [c["labelwise"][default] for c in mine]
        report[dataset] = {
            "cells": len(mine),
            "at_least_cleanlab_pipeline": sum(_at_least(o, c["cleanlab_pipeline"]) for o, c in zip(ours, mine)),
            "at_least_cleanlab_default_same_probabilities": sum(
                _at_least(o, c["cleanlab_same_probabilities"]["prune_by_noise_rate"]) for o, c in zip(ours, mine)),
            "mean": {"labelwise": {m: float(np.mean([o[m] for o in ours])) for m in METRICS}}
            | {arm: {m: float(np.mean([c[arm][m] for c in mine])) for m in METRICS}
               for arm in ("cleanlab_pipeline", "cleanlab_single_model")}
            | {"cleanlab_default_same_probabilities": {
                m: float(np.mean([c["cleanlab_same_probabilities"]["prune_by_noise_rate"][m] for c in mine]))
                for m in METRICS}},
        }
    return {"chosen_filter": chosen, "labelwise_default": default, "by_dataset": report, "cells": cells,
            "all_flags_identical_to_cleanlab": all(c["identical_flags"] for c in cells)}


def plot(summary: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    default = summary["labelwise_default"]
    present = list(summary["by_dataset"])
    datasets = [d for d in (*TEST, *VALIDATE) if d in present] + sorted(set(present) - {*TEST, *VALIDATE})
    fig, axes = plt.subplots(2, len(datasets), figsize=(3.6 * len(datasets), 6.5), sharey="row", squeeze=False)
    for col, ds in enumerate(datasets):
        for kind, ls in (("uniform", "-"), ("class_conditional", "--")):
            cs = sorted((c for c in summary["cells"] if c["dataset"] == ds and c["kind"] == kind),
                        key=lambda c: c["rate"])
            rates = [100 * c["rate"] for c in cs]
            for row, metric in enumerate(("precision", "recall")):
                ax = axes[row][col]
                ax.plot(rates, [c["labelwise"][default][metric] for c in cs], ls, marker="o", color="C0",
                        linewidth=2, label=f"labelwise default ({kind})")
                ax.plot(rates, [c["cleanlab_pipeline"][metric] for c in cs], ls, marker="^", color="C3",
                        label=f"cleanlab default pipeline ({kind})")
                ax.plot(rates, [c["cleanlab_same_probabilities"]["prune_by_noise_rate"][metric] for c in cs], ls,
                        marker="x", color="C2", label=f"cleanlab default, same probabilities ({kind})")
                ax.set_xlabel("injected noise (%)")
                ax.set_ylabel(metric)
                ax.grid(alpha=0.3)
        axes[0][col].set_title(ds + (" (validation)" if ds in VALIDATE else " (test)"))
    axes[0][0].legend(fontsize=6, loc="lower left")
    fig.suptitle(f"Label-error detection, mean of seeds (labelwise: family ensemble + '{default}')")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0, help="run seeds first-seed .. seeds-1 (to split a run)")
    parser.add_argument("--kinds", nargs="+", default=["uniform", "class_conditional"])
    parser.add_argument("--rates", type=float, nargs="+", default=[0.05, 0.1, 0.2])
    parser.add_argument("--datasets", nargs="+", default=[*TEST, *VALIDATE])
    parser.add_argument("--combine", type=Path, nargs="+", help="summarise the runs of these result files")
    parser.add_argument("--out", type=Path, default=RESULTS / "label_errors.json")
    args = parser.parse_args()
    # One BLAS/OpenMP thread per process: on a shared machine, more threads only contend.
    threadpool_limits(1)
    import cleanlab
    import cleanlab.classification
    import cleanlab.filter

    if args.combine:
        rows = [r for path in args.combine for r in json.loads(path.read_text())["runs"]]
    else:
        rows = []
        for name in args.datasets:
            X, y = load(name)
            for kind in args.kinds:
                for rate in args.rates:
                    for seed in range(args.first_seed, args.seeds):
                        row = run_one(name, X, y, rate, kind, seed, cleanlab)
                        rows.append(row)
                        o, t = row["labelwise"][ConfidentLearning().filter_by], row["cleanlab_pipeline"]
                        print(f"{name:13s} {kind:17s} {rate:.2f} seed {seed}: labelwise P {o['precision']:.3f} "
                              f"R {o['recall']:.3f} | cleanlab pipeline P {t['precision']:.3f} "
                              f"R {t['recall']:.3f} | {row['seconds']}", flush=True)
    summary = summarise(rows, ConfidentLearning().filter_by)
    result = {"benchmark": "label_errors", "python": platform.python_version(), "cleanlab": cleanlab.__version__,
              "folds": FOLDS, "seeds": len({r["seed"] for r in rows}), "summary": summary, "runs": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    if set(summary["by_dataset"]) >= {*TEST, *VALIDATE}:
        plot(summary, args.out.with_suffix(".png"))
    print("filter by the rule:", summary["chosen_filter"], "| product default:", summary["labelwise_default"],
          "| flags identical to cleanlab:", summary["all_flags_identical_to_cleanlab"])
    for name, r in summary["by_dataset"].items():
        print(f"{name:13s} cells >= cleanlab pipeline {r['at_least_cleanlab_pipeline']}/{r['cells']}, "
              f">= cleanlab default on same probabilities {r['at_least_cleanlab_default_same_probabilities']}/"
              f"{r['cells']}")


if __name__ == "__main__":
    main()
