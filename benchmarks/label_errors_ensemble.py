"""Label-error detection with ensembled cross-validated probabilities against cleanlab on one model's.

Usage: ``nice -n 10 python benchmarks/label_errors_ensemble.py [--seeds 3] [--datasets digits youtube ...]``.
Writes ``benchmarks/results/label_errors_ensemble[-<datasets>].json``.

``benchmarks/label_errors.py`` shows that our confident learning flags exactly what cleanlab flags on the
same probabilities, so on the same probabilities it can only tie. What can do better is the
probabilities: the mean of the out-of-sample probabilities of models of different families (same folds)
is better calibrated and less tied to one model's blind spots. Here each data set's usual model
(TF-IDF + logistic regression for text, standardised logistic regression otherwise; the one cleanlab
gets) is joined by models of other families chosen by data type only, never per data set: multinomial
naive Bayes on word counts for text; distance-weighted 10-nearest neighbours and 200 extremely
randomised trees for numbers. Our filters run on the ensemble's probabilities; cleanlab's
``find_label_issues`` (its default ``prune_by_noise_rate`` and ``both``) on the single model's. Noise is
injected as in ``label_errors.py`` (uniform and class-conditional, 5/10/20 %).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.naive_bayes import MultinomialNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import load, model  # noqa: E402
from label_errors import inject, score  # noqa: E402

from labelwise.assist.crossval import cross_val_pred_proba  # noqa: E402
from labelwise.assist.label_errors import ConfidentLearning  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
OURS = ("both", "prune_by_noise_rate", "prune_by_class")
THEIRS = ("prune_by_noise_rate", "both")


def companions(name: str) -> list:
    """Other model families, by data type only."""
    if name == "youtube":
        return [make_pipeline(CountVectorizer(ngram_range=(1, 2)), MultinomialNB(alpha=0.5))]
    return [make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=10, weights="distance")),
            ExtraTreesClassifier(n_estimators=200, random_state=0, n_jobs=1)]


def run_one(name, X, y, rate, kind, seed, cleanlab_filter) -> dict:
    rng = np.random.default_rng([seed, int(rate * 1000), kind == "uniform"])
    noisy = inject(y, rate, kind, rng)
    truth = noisy != y
    start = time.perf_counter()
    single = cross_val_pred_proba(model(name), X, noisy, n_folds=5, seed=seed)
    ensemble = np.mean([single] + [cross_val_pred_proba(m, X, noisy, n_folds=5, seed=seed)
                                   for m in companions(name)], axis=0)
    row = {"dataset": name, "kind": kind, "rate": rate, "seed": seed, "errors": int(truth.sum()),
           "cv_seconds": round(time.perf_counter() - start, 2), "ours_ensemble": {}, "ours_single": {},
           "cleanlab_single": {}}
    for f in OURS:
        row["ours_ensemble"][f] = score(ConfidentLearning(filter_by=f).fit(noisy, ensemble).issues_, truth)
        row["ours_single"][f] = score(ConfidentLearning(filter_by=f).fit(noisy, single).issues_, truth)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in THEIRS:
            row["cleanlab_single"][f] = score(cleanlab_filter.find_label_issues(noisy, single, filter_by=f, n_jobs=1),
                                              truth)
    return row


def summarise(rows: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["dataset"], row["kind"], row["rate"]), []).append(row)
    table = []
    for (dataset, kind, rate), rs in sorted(groups.items()):
        entry = {"dataset": dataset, "kind": kind, "rate": rate, "seeds": len(rs)}
        for arm in ("ours_ensemble", "ours_single", "cleanlab_single"):
            entry[arm] = {f: {m: float(np.mean([r[arm][f][m] for r in rs])) for m in ("precision", "recall", "f1")}
                          for f in rs[0][arm]}
        best = entry["cleanlab_single"]
        entry["ensemble_vs_cleanlab"] = {
            f"ours {o} vs cleanlab {t}": {
                "precision": entry["ours_ensemble"][o]["precision"] - best[t]["precision"],
                "recall": entry["ours_ensemble"][o]["recall"] - best[t]["recall"]}
            for o in OURS for t in THEIRS}
        table.append(entry)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.05, 0.1, 0.2])
    parser.add_argument("--datasets", nargs="+", default=["digits", "youtube", "breast_cancer", "wine"])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    threadpool_limits(1)
    import cleanlab
    import cleanlab.filter as cleanlab_filter

    rows = []
    for name in args.datasets:
        X, y = load(name)
        for kind in ("uniform", "class_conditional"):
            for rate in args.rates:
                for seed in range(args.seeds):
                    row = run_one(name, X, y, rate, kind, seed, cleanlab_filter)
                    rows.append(row)
                    o, t = row["ours_ensemble"]["both"], row["cleanlab_single"]["prune_by_noise_rate"]
                    print(f"{name:13s} {kind:17s} {rate:.2f} seed {seed}: ensemble+both P {o['precision']:.3f} "
                          f"R {o['recall']:.3f} | cleanlab default P {t['precision']:.3f} R {t['recall']:.3f}",
                          flush=True)
    out = args.out or RESULTS / ("label_errors_ensemble-" + "-".join(args.datasets) + ".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "label_errors_ensemble", "cleanlab": cleanlab.__version__, "folds": 5,
                               "seeds": args.seeds, "rates": args.rates, "table": summarise(rows), "runs": rows},
                              indent=1))
    print("wrote", out)


if __name__ == "__main__":
    main()
