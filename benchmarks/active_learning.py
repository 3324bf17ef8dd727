"""Benchmark active learning: replay labeling with every sampler against random sampling.

Usage: ``python benchmarks/active_learning.py [--seeds 5] [--datasets youtube,digits,breast_cancer,wine,topics]``
(``--merge part1.json part2.json`` joins runs of disjoint data sets, e.g. one process per core).
Writes ``benchmarks/results/active_learning.json`` and ``active_learning.png`` (needs the ``bench``
extra: matplotlib).

Per dataset and seed: a stratified 30 % test set is held out; the rest is the pool, whose labels are
revealed only when a strategy asks for them. Every strategy starts from the same random seed set,
retrains a cheap model after each batch, and records test accuracy, until `budget` (half the pool)
labels are spent. A strategy with a cold start (`typical`) picks its seed set itself instead, batch
by batch with no model (`proba=None`), until it holds as many labels as the random seed set; its
curve is measured after each of those batches too. "Full-pool accuracy" is the same model trained on
the whole pool. Reported per strategy: the seed-averaged learning curve, and the labels needed for
the averaged curve to first reach 95 / 98 / 99 % of the full-pool accuracy, read by linear
interpolation between the two measured points around the crossing and rounded up (curves are
measured every batch, so without it a strategy measured on another grid would be rounded up by up
to a batch; null: not within the budget). Random and every strategy train the same model.

Defaults are set by a rule, the same for every dataset, not tuned on one:
- seed set = the expected number of random draws to see every class once (coupon collector,
  k * H_k for k classes), at least 10: a first model that knows most classes;
- batch = 1 % of the pool, at least 5: a retrain cadence a labeling team reaches in minutes, and
  small enough that a batch rarely holds two near-copies of the same hard case;
- budget = half the pool.
YouTube spam and digits are the issue's sets; breast cancer and wine (tabular) and a synthetic
6-topic text set check that the rule carries over to data it was not read off.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
from scipy import sparse
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import StandardScaler, normalize
from threadpoolctl import threadpool_limits

from labelwise.assist.active import STRATEGIES, make_sampler

RESULTS = Path(__file__).resolve().parent / "results"
YOUTUBE = Path("/work/shared/data/text/youtube_spam")
TARGETS = (0.95, 0.98, 0.99)


# ---- datasets: (model features, diversity features, labels, description) ----
# Text is TF-IDF for the model and its 100-dimensional LSA projection (L2-normalised) for the
# diversity samplers: Euclidean distances between 80,000-dimensional sparse rows are nearly all
# alike, so farthest-first on them picks oddities, and LSA makes k-means and core-set 30x cheaper.

def youtube() -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray, str]:
    import csv
    texts, labels = [], []
    for path in sorted(YOUTUBE.glob("Youtube0*.csv")):
        with path.open(encoding="utf-8", newline="") as fp:
            for row in csv.DictReader(fp):
                texts.append(row["CONTENT"])
                labels.append(int(row["CLASS"]))
    # TF-IDF is fitted on all texts without labels: the platform knows every task's text up front
    x = _tfidf().fit_transform(texts).tocsr()
    return x, _lsa(x), np.array(labels), "YouTube spam comments (UCI, CC BY 4.0), TF-IDF word 1-2 + char 2-5"


def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    x, y = load_digits(return_X_y=True)
    return x / 16.0, x / 16.0, y, "sklearn load_digits (8x8 images, 10 classes), pixels / 16"


def breast_cancer() -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    x, y = load_breast_cancer(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    return x, x, y, "sklearn load_breast_cancer (30 numeric columns), standardised"


def wine() -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    x, y = load_wine(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    return x, x, y, "sklearn load_wine (13 numeric columns, 3 classes), standardised"


def topics(n: int = 1000, k: int = 6, seed: int = 12345) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray, str]:
    """A 20-newsgroups-like synthetic set: Zipfian background words plus overlapping topic words."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(3000)])
    background = 1.0 / np.arange(1, len(vocab) + 1)
    background /= background.sum()
    topic_words = [rng.choice(len(vocab), size=150, replace=False) for _ in range(k)]
    texts, labels = [], []
    for i in range(n):
        label = int(rng.integers(k))
        length = int(rng.integers(15, 60))
        topical = rng.random(length) < rng.uniform(0.1, 0.35)  # some documents are barely on topic
        words = np.where(topical, rng.choice(topic_words[label], size=length),
                         rng.choice(len(vocab), size=length, p=background))
        texts.append(" ".join(vocab[words]))
        labels.append(label)
    x = TfidfVectorizer(sublinear_tf=True).fit_transform(texts).tocsr()
    return x, _lsa(x), np.array(labels), f"synthetic topics: {n} texts, {k} topics, 10-35 % topical words"


DATASETS = {"youtube": youtube, "digits": digits, "breast_cancer": breast_cancer, "wine": wine, "topics": topics}


def _tfidf() -> FeatureUnion:
    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")),
        # an n-gram in one comment only cannot generalise; dropping them shrinks 83k columns to ~25k
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
    ])


def _lsa(x: sparse.csr_matrix) -> np.ndarray:
    return normalize(TruncatedSVD(n_components=100, random_state=0).fit_transform(x))


# ---- the replay ----

def default_sizes(n_pool: int, n_classes: int) -> tuple[int, int, int]:
    harmonic = sum(1.0 / i for i in range(1, n_classes + 1))
    seed_size = max(10, math.ceil(n_classes * harmonic))
    batch = max(5, math.ceil(0.01 * n_pool))
    return seed_size, batch, n_pool // 2


class Learner:
    """Logistic regression, warm-started from the previous round while the set of seen classes holds.

    C=10 rather than 1: scikit-learn sums the loss over samples but not the penalty, so with the
    tens of labels active learning starts from, C=1 shrinks every weight to nothing. Balanced class
    weights because uncertainty sampling labels the classes unevenly, and an uneven labeled set
    tilts the intercept. Both are chosen for the learner's sake (they also help random sampling).
    """

    def __init__(self) -> None:
        self.model: LogisticRegression | None = None

    def fit(self, x, y: np.ndarray) -> LogisticRegression:
        classes = np.unique(y)
        if self.model is None or not np.array_equal(self.model.classes_, classes):
            self.model = LogisticRegression(C=10, class_weight="balanced", max_iter=1000, warm_start=True)
        return self.model.fit(x, y)


def full_pool_accuracy(x_pool, y_pool, x_test, y_test) -> float:
    return float((Learner().fit(x_pool, y_pool).predict(x_test) == y_test).mean())


def initial_set(y_pool: np.ndarray, size: int, rng: np.random.Generator) -> list[int]:
    """A random seed set, drawn again while it holds one class only (nothing trains on one class)."""
    while True:
        chosen = rng.choice(len(y_pool), size=size, replace=False)
        if len(set(y_pool[chosen])) >= 2:
            return [int(i) for i in chosen]


def replay(strategy: str, x_pool, e_pool, y_pool, x_test, y_test, start: list[int], *, batch: int, budget: int,
           seed: int) -> tuple[list[int], list[float]]:
    """The learning curve: (labels, test accuracy) after the seed set and after every batch."""
    rng = np.random.default_rng(seed)
    sampler = make_sampler(strategy)
    cold = getattr(sampler, "cold_start", False)
    learner = Learner()
    labeled = np.zeros(len(y_pool), dtype=bool)
    if not cold:
        labeled[start] = True
    counts, accuracy = [], []
    while cold and labeled.sum() < len(start):  # its own seed set, before any model steers it
        pool = np.flatnonzero(~labeled)
        picked = sampler.select(batch, features=e_pool[pool], labeled_features=e_pool[labeled], seed=rng)
        labeled[pool[picked]] = True
        seen = np.unique(y_pool[labeled])
        counts.append(int(labeled.sum()))
        if len(seen) >= 2:
            accuracy.append(float((learner.fit(x_pool[labeled], y_pool[labeled]).predict(x_test) == y_test).mean()))
        else:  # one class seen: a model can only answer it
            accuracy.append(float((y_test == seen[0]).mean()))
    while True:
        model = learner.fit(x_pool[labeled], y_pool[labeled])
        counts.append(int(labeled.sum()))
        accuracy.append(float((model.predict(x_test) == y_test).mean()))
        if labeled.sum() >= budget:
            return counts, accuracy
        pool = np.flatnonzero(~labeled)
        need = min(batch, budget - int(labeled.sum()))
        picked = sampler.select(need, proba=model.predict_proba(x_pool[pool]), features=e_pool[pool],
                                labeled_features=e_pool[labeled], seed=rng)
        labeled[pool[picked]] = True


def labels_to_reach(counts: list[int], relative: np.ndarray, target: float) -> int | None:
    """Labels at which the curve first reaches `target`, interpolated between measured points."""
    hit = np.flatnonzero(relative >= target - 1e-12)
    if not len(hit):
        return None
    i = int(hit[0])
    if i == 0:
        return int(counts[0])
    before, after = relative[i - 1], relative[i]
    return math.ceil(counts[i - 1] + (target - before) / (after - before) * (counts[i] - counts[i - 1]) - 1e-9)


def run_dataset(name: str, seeds: int) -> dict:
    x, embedded, y, description = DATASETS[name]()
    n_classes = len(np.unique(y))
    started = time.perf_counter()
    curves: dict[str, list[list[float]]] = {s: [] for s in STRATEGIES}
    full: list[float] = []
    counts_of: dict[str, list[int]] = {}
    for seed in range(seeds):
        pool_idx, test_idx = train_test_split(np.arange(len(y)), test_size=0.3, stratify=y, random_state=seed)
        x_pool, x_test, y_pool, y_test = x[pool_idx], x[test_idx], y[pool_idx], y[test_idx]
        seed_size, batch, budget = default_sizes(len(y_pool), n_classes)
        full.append(full_pool_accuracy(x_pool, y_pool, x_test, y_test))
        start = initial_set(y_pool, seed_size, np.random.default_rng(1000 + seed))
        for strategy in sorted(STRATEGIES, key=lambda s: s in ("least_confidence", "entropy")):
            if n_classes == 2 and strategy in ("least_confidence", "entropy"):
                # with two classes all three measures are monotone in max p: same ranking, same
                # seeded tie-break, so the same picks as margin (asserted by the tests)
                curves[strategy].append(curves["margin"][-1])
                counts_of[strategy] = counts_of["margin"]
                continue
            counts, accuracy = replay(strategy, x_pool, embedded[pool_idx], y_pool, x_test, y_test, start,
                                      batch=batch, budget=budget, seed=seed)
            curves[strategy].append([a / full[-1] for a in accuracy])
            counts_of[strategy] = counts  # the same every seed: the sizes depend only on pool and classes
            print(f"{name} seed {seed} {strategy:16s} final {accuracy[-1]:.3f} / full {full[-1]:.3f}",
                  file=sys.stderr, flush=True)
    curves = {s: curves[s] for s in STRATEGIES}
    result: dict = {
        "description": description, "items": int(len(y)), "classes": n_classes,
        "pool": int(len(y_pool)), "test": int(len(y_test)), "seed_set": seed_size, "batch": batch,
        "budget": budget, "seeds": seeds,
        "full_pool_accuracy": {"mean": round(float(np.mean(full)), 4), "std": round(float(np.std(full)), 4)},
        "strategies": {},
    }
    for strategy, runs in curves.items():
        counts = counts_of[strategy]
        rel = np.array(runs)
        mean = rel.mean(axis=0)
        result["strategies"][strategy] = {
            "labels": counts,
            "relative_accuracy_mean": [round(float(v), 4) for v in mean],
            "relative_accuracy_std": [round(float(v), 4) for v in rel.std(axis=0)],
            "labels_to_reach": {f"{int(t * 100)}%": labels_to_reach(counts, mean, t) for t in TARGETS},
        }
    random_needs = result["strategies"]["random"]["labels_to_reach"]
    for strategy, entry in result["strategies"].items():
        entry["share_of_random_labels"] = {
            key: (round(n / random_needs[key], 3) if n is not None and random_needs[key] is not None else None)
            for key, n in entry["labels_to_reach"].items()
        }
    result["goals"] = _goals(result)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _goals(result: dict) -> dict:
    """The issue's goals, per strategy: <= 1/3 of random's labels to 95 %; 99 % where random does not."""
    random_needs = result["strategies"]["random"]["labels_to_reach"]
    out = {}
    for strategy, entry in result["strategies"].items():
        if strategy == "random":
            continue
        needs = entry["labels_to_reach"]
        third = (needs["95%"] is not None and random_needs["95%"] is not None
                 and needs["95%"] <= random_needs["95%"] / 3)
        reach99 = needs["99%"] is not None if random_needs["99%"] is None else None
        out[strategy] = {"at_most_a_third_of_random_to_95%": third,
                         "reaches_99%_where_random_does_not": reach99}
    return out


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    names = list(results["datasets"])
    columns = min(3, len(names))
    rows = math.ceil(len(names) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 4.2 * rows), squeeze=False)
    for ax in axes.flat[len(names):]:
        ax.axis("off")
    for ax, name in zip(axes.flat, names):
        data = results["datasets"][name]
        for strategy, entry in data["strategies"].items():
            mean = np.array(entry["relative_accuracy_mean"])
            style = {"random": {"color": "black", "linestyle": "--", "linewidth": 2},
                     "typical": {"color": "crimson", "linewidth": 2}}.get(strategy, {"linewidth": 1})
            ax.plot(entry["labels"], mean, label=strategy, **style)
        for t in TARGETS:
            ax.axhline(t, color="grey", linewidth=0.6, linestyle=":")
        ax.set_ylim(max(0.5, min(min(e["relative_accuracy_mean"]) for e in data["strategies"].values()) - 0.02),
                    1.02)
        ax.set_xscale("log")  # the low-budget start, where the strategies differ most, gets the room
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{name} (pool {data['pool']}, batch {data['batch']})")
        ax.set_xlabel("labels (log scale)")
        ax.set_ylabel("accuracy / full-pool accuracy")
        ax.grid(alpha=0.3)
    axes.flat[0].legend(loc="lower right", fontsize=8)
    fig.suptitle(f"Active learning vs random, mean of {results['seeds']} seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--out", type=Path, default=RESULTS / "active_learning.json")
    parser.add_argument("--merge", type=Path, nargs="+",
                        help="combine the data sets of partial runs (e.g. one per core) into --out, and plot")
    args = parser.parse_args()
    if args.merge:
        parts = [json.loads(path.read_text()) for path in args.merge]
        merged = {k: v for part in parts for k, v in part["datasets"].items()}
        results = {**parts[0], "datasets": {k: merged[k] for k in sorted(merged, key=list(DATASETS).index)},
                   "seconds": round(sum(part["seconds"] for part in parts), 1)}
        args.out.write_text(json.dumps(results, indent=1) + "\n")
        plot(results, args.out.with_suffix(".png"))
        return
    started = time.perf_counter()
    results: dict = {
        "machine": {"python": platform.python_version(), "numpy": np.__version__, "sklearn": sklearn.__version__,
                    "cpus": os.cpu_count(), "platform": platform.platform()},
        "seeds": args.seeds, "targets": [f"{int(t * 100)}%" for t in TARGETS],
        "model": "LogisticRegression(C=10, class_weight='balanced'), warm-started between rounds",
        "datasets": {},
    }
    # one thread: the machine is shared, and the fits are small enough that threads only add overhead
    with threadpool_limits(limits=1):
        for name in args.datasets.split(","):
            results["datasets"][name] = run_dataset(name, args.seeds)
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    try:
        plot(results, args.out.with_suffix(".png"))
    except ImportError:
        print("matplotlib is not installed (pip install 'labelwise[bench]'); no plot written", file=sys.stderr)
    summary = {name: {"full_pool_accuracy": d["full_pool_accuracy"],
                      "labels_to_reach": {s: e["labels_to_reach"] for s, e in d["strategies"].items()},
                      "goals": d["goals"], "seconds": d["seconds"]}
               for name, d in results["datasets"].items()}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
