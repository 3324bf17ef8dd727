"""Benchmark labelwise's aggregators against crowd-kit's on synthetic crowd labels, in one process.

Usage: ``python benchmarks/aggregation.py [--labels 1000000] [--small-labels 20000]``.
Writes ``benchmarks/results/aggregation.json``. Workers follow a Dawid–Skene model (accuracy
uniform in [0.35, 0.95], errors spread by a per-worker Dirichlet draw). Majority vote and
Dawid–Skene run on the full set; GLAD and MACE, whose crowd-kit versions take minutes at a
million labels, run on the full set for us only and on a small set for both. Our times are the best of ``--repeats`` runs;
crowd-kit runs once (its pandas DataFrame is built outside the timing). crowd-kit is a
test extra, never a runtime dependency.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import scipy

from labelwise.quality.aggregation import GLAD, MACE, DawidSkene, MajorityVote

OUT = Path(__file__).resolve().parent / "results" / "aggregation.json"


def synthetic(n_labels: int, *, n_workers: int = 1000, n_classes: int = 5, per_task: int = 10,
              seed: int = 0):
    rng = np.random.default_rng(seed)
    n_tasks = n_labels // per_task
    truth = rng.integers(0, n_classes, n_tasks)
    acc = rng.uniform(0.35, 0.95, n_workers)
    # confusion[w, j, l]: accuracy on the diagonal, the rest split by a Dirichlet draw per row.
    off = rng.dirichlet(np.ones(n_classes - 1), (n_workers, n_classes))
    confusion = np.zeros((n_workers, n_classes, n_classes))
    for j in range(n_classes):
        others = [c for c in range(n_classes) if c != j]
        confusion[:, j, j] = acc
        confusion[:, j, others] = (1 - acc)[:, None] * off[:, j]
    tasks = np.repeat(np.arange(n_tasks), per_task)
    workers = np.concatenate([rng.choice(n_workers, per_task, replace=False) for _ in range(n_tasks)])
    cum = np.cumsum(confusion[workers, truth[tasks]], axis=1)
    labels = (rng.random(len(tasks))[:, None] > cum).sum(axis=1)
    labels = np.minimum(labels, n_classes - 1)
    return tasks, workers, labels, truth


def time_ours(factory, tasks, workers, labels, repeats: int):
    best, model = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        model = factory().fit(tasks, workers, labels)
        best = min(best, time.perf_counter() - start)
    return best, model.labels_


def time_crowdkit(factory, df):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        result = factory().fit_predict(df)
        elapsed = time.perf_counter() - start
    return elapsed, result.sort_index().to_numpy()


def run(n_labels: int, small_labels: int, repeats: int, seed: int) -> dict:
    import pandas as pd
    from crowdkit import aggregation as ck

    suites = {
        "full": (n_labels, [
            ("MajorityVote", MajorityVote, ck.MajorityVote),
            ("DawidSkene", DawidSkene, lambda: ck.DawidSkene(n_iter=100)),
            ("GLAD", GLAD, None),   # crowd-kit: minutes at this size, compared on "small"
            ("MACE", MACE, None),
        ]),
        "small": (small_labels, [
            ("MajorityVote", MajorityVote, ck.MajorityVote),
            ("DawidSkene", DawidSkene, lambda: ck.DawidSkene(n_iter=100)),
            ("GLAD", GLAD, ck.GLAD),
            ("MACE", MACE, lambda: ck.MACE(random_state=0)),
        ]),
    }
    results = {}
    for suite, (size, methods) in suites.items():
        tasks, workers, labels, truth = synthetic(size, seed=seed)
        df = pd.DataFrame({"task": tasks, "worker": workers, "label": labels})
        rows = []
        for name, ours, theirs in methods:
            t_ours, y_ours = time_ours(ours, tasks, workers, labels, repeats)
            row = {"method": name, "labelwise_seconds": round(t_ours, 4),
                   "labelwise_accuracy": round(float((y_ours == truth).mean()), 5),
                   "crowdkit_seconds": None, "crowdkit_accuracy": None, "speedup": None}
            if theirs is not None:
                t_ck, y_ck = time_crowdkit(theirs, df)
                row.update(crowdkit_seconds=round(t_ck, 4), speedup=round(t_ck / t_ours, 1),
                           crowdkit_accuracy=round(float((np.asarray(y_ck) == truth).mean()), 5))
            rows.append(row)
            print(suite, rows[-1], flush=True)
        results[suite] = {"labels": int(len(labels)), "tasks": int(len(truth)),
                          "workers": int(workers.max() + 1), "classes": int(labels.max() + 1),
                          "methods": rows}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1_000_000)
    parser.add_argument("--small-labels", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    import crowdkit

    results = run(args.labels, args.small_labels, args.repeats, args.seed)
    report = {
        "benchmark": "labelwise.quality.aggregation vs crowd-kit, synthetic Dawid–Skene crowd",
        "seed": args.seed,
        "timing": f"labelwise: best of {args.repeats} fits; crowd-kit: one fit_predict",
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "crowdkit": getattr(crowdkit, "__version__", "unknown"),
        },
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
