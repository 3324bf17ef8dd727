"""Does each aggregator hold up beyond the sets it was built on? Ours vs crowd-kit, set by set.

Usage: ``python benchmarks/aggregation_generalisation.py [--seeds 3] [--reuse-crowdkit]``.
Runs every categorical aggregator with its defaults and crowd-kit's same method with crowd-kit's
defaults on the simulated crowd shapes of ``labelwise.quality.simulate.SCENARIOS`` (several seeds
each) and on the shared real sets with truth (bluebirds, rte, wsd, hitspam), and writes accuracy
per set, method and seed to ``benchmarks/results/aggregation_generalisation.json`` plus a
Markdown table (``--markdown``). ``--reuse-crowdkit`` takes crowd-kit's numbers from the previous
JSON for sets and seeds it already holds (crowd-kit's GLAD and MACE take most of the run time).
``--before OLD.json`` copies our accuracies from an earlier ``--no-crowdkit`` run (e.g. of the
commit before the defaults changed) into each run as ``ours_before``. ``--crowdkit-methods ds
onecoin`` runs only those of crowd-kit's methods (the rest come from the cache or are left out), so
the cheap ones can cover more seeds; each cell of the table averages the seeds crowd-kit finished
for that method.

Pairs: MajorityVote ↔ MajorityVote, WeightedMajorityVote ↔ Wawa, DawidSkene ↔ DawidSkene,
OneCoinDawidSkene ↔ OneCoinDawidSkene, GLAD ↔ GLAD, MACE ↔ MACE. crowd-kit's Wawa fails on
scikit-learn >= 1.8 in ``check_is_fitted`` (its classes lack ``__sklearn_tags__``); the fit
itself does not need that check, so it is bypassed here, for Wawa only. crowd-kit is a test
extra, never a runtime dependency.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from labelwise.quality.aggregation import (
    GLAD,
    MACE,
    DawidSkene,
    MajorityVote,
    OneCoinDawidSkene,
    WeightedMajorityVote,
    encode,
)
from labelwise.quality.simulate import SCENARIOS, simulate_crowd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "aggregation_generalisation.json"
REAL = Path(os.environ.get("LABELWISE_CROWD_DATA", "/work/shared/data/crowd"))
REAL_SETS = ("bluebirds", "rte", "wsd", "hitspam")

OURS = {
    "mv": MajorityVote,
    "wmv": WeightedMajorityVote,
    "ds": DawidSkene,
    "onecoin": OneCoinDawidSkene,
    "glad": GLAD,
    "mace": MACE,
}
NAMES = {"mv": "MajorityVote", "wmv": "Weighted MV / Wawa", "ds": "Dawid–Skene",
         "onecoin": "One-coin DS", "glad": "GLAD", "mace": "MACE"}


def crowdkit_factories() -> dict:
    from crowdkit.aggregation import GLAD as CkGLAD
    from crowdkit.aggregation import MACE as CkMACE
    from crowdkit.aggregation import DawidSkene as CkDS
    from crowdkit.aggregation import MajorityVote as CkMV
    from crowdkit.aggregation import OneCoinDawidSkene as CkOneCoin
    from crowdkit.aggregation.classification import wawa

    wawa.check_is_fitted = lambda *args, **kwargs: None  # see the module docstring
    return {
        "mv": CkMV,
        "wmv": wawa.Wawa,
        "ds": lambda: CkDS(n_iter=100),
        "onecoin": lambda: CkOneCoin(n_iter=100),
        "glad": CkGLAD,
        "mace": lambda: CkMACE(random_state=0),
    }


def load_real(name: str) -> dict:
    with open(REAL / name / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(REAL / name / "truth.csv", newline="") as f:
        truth = {r["task"]: r["true_label"] for r in csv.DictReader(f)}
    enc = encode([r["task"] for r in rows], [r["worker"] for r in rows], [r["label"] for r in rows])
    t_index = {t: i for i, t in enumerate(enc.task_ids)}
    l_index = {v: i for i, v in enumerate(enc.label_ids)}
    gold_tasks = np.array([t_index[t] for t in truth])
    gold = np.array([l_index.get(v, -2) for v in truth.values()])
    return {"tasks": enc.tasks, "workers": enc.workers, "labels": enc.labels,
            "gold_tasks": gold_tasks, "gold": gold, **enc.sizes}


def load_simulated(name: str, seed: int) -> dict:
    crowd = simulate_crowd(**SCENARIOS[name], seed=seed)
    return {"tasks": crowd.tasks, "workers": crowd.workers, "labels": crowd.labels,
            "gold_tasks": np.arange(len(crowd.truth)), "gold": crowd.truth, **crowd.sizes}


def describe(data: dict) -> dict:
    per_worker = np.bincount(data["workers"], minlength=data["n_workers"])
    per_worker = per_worker[per_worker > 0]
    return {"labels": len(data["tasks"]), "tasks": data["n_tasks"],
            "workers": len(per_worker), "classes": data["n_labels"],
            "workers_with_at_most_5_labels": round(float(np.mean(per_worker <= 5)), 3),
            "labels_per_task": round(len(data["tasks"]) / data["n_tasks"], 2)}


def run_ours(key: str, data: dict) -> tuple[float, float]:
    start = time.perf_counter()
    pred = OURS[key]().fit_predict(data["tasks"], data["workers"], data["labels"],
                                   n_tasks=data["n_tasks"], n_workers=data["n_workers"],
                                   n_labels=data["n_labels"])
    seconds = time.perf_counter() - start
    return float(np.mean(pred[data["gold_tasks"]] == data["gold"])), seconds


def run_crowdkit(factory, data: dict) -> tuple[float, float]:
    import pandas as pd

    df = pd.DataFrame({"task": data["tasks"], "worker": data["workers"], "label": data["labels"]})
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred = factory().fit_predict(df)
    seconds = time.perf_counter() - start
    # A task crowd-kit returns no label for counts as wrong.
    got = pred.reindex(data["gold_tasks"]).to_numpy()
    return float(np.mean(got == data["gold"])), seconds


def markdown(results: dict) -> str:
    """Ours / crowd-kit per set and method, averaged over the seeds crowd-kit ran on."""
    keys = list(OURS)
    head = "| set | " + " | ".join(NAMES[k] for k in keys) + " |"
    lines = [head, "|---" * (len(keys) + 1) + "|"]
    for name, entry in results["sets"].items():
        cells = []
        seeds = set()
        for k in keys:
            paired = [r for r in entry["runs"] if k in r["crowdkit"]]
            seeds.add(len(paired or entry["runs"]))
            ours = np.mean([r["ours"][k]["accuracy"] for r in paired or entry["runs"]])
            if paired:
                theirs = np.mean([r["crowdkit"][k]["accuracy"] for r in paired])
                # Accuracies are stored to 4 decimals, so means within 1e-4 are the same count
                # of tasks (one task is at least 1.9e-4 on every set here).
                mark = "" if ours >= theirs - 1e-4 else " ✗"
                cells.append(f"{ours:.3f} / {theirs:.3f}{mark}")
            else:
                cells.append(f"{ours:.3f} / –")
        n = "–".join(str(x) for x in sorted(seeds))
        label = name if entry["kind"] == "real" else f"{name} ({n} seed{'' if n == '1' else 's'})"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    rows = [(name, entry) for name, entry in results["sets"].items()
            if all("ours_before" in r for r in entry["runs"])]
    if rows:
        lines += ["", "Before → after the default changes (our estimators only):", "",
                  "| set | " + " | ".join(NAMES[k] for k in keys) + " |", "|---" * (len(keys) + 1) + "|"]
        for name, entry in rows:
            cells = [f"{np.mean([r['ours_before'][k]['accuracy'] for r in entry['runs']]):.3f} → "
                     f"{np.mean([r['ours'][k]['accuracy'] for r in entry['runs']]):.3f}" for k in keys]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--scenarios", nargs="*", default=list(SCENARIOS))
    parser.add_argument("--real", nargs="*", default=list(REAL_SETS))
    parser.add_argument("--no-crowdkit", action="store_true")
    parser.add_argument("--reuse-crowdkit", action="store_true",
                        help="take crowd-kit's results from --out where it has them (also with --no-crowdkit)")
    parser.add_argument("--crowdkit-methods", nargs="*", choices=list(OURS), default=list(OURS),
                        help="run only these crowd-kit methods")
    parser.add_argument("--before", type=Path, help="an earlier run whose 'ours' become 'ours_before'")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--markdown", action="store_true", help="print the table")
    args = parser.parse_args()

    previous = {}
    if args.reuse_crowdkit and args.out.exists():
        for name, entry in json.loads(args.out.read_text())["sets"].items():
            for r in entry["runs"]:
                previous[(name, r["seed"])] = r["crowdkit"]
    before = {}
    if args.before:
        for name, entry in json.loads(args.before.read_text())["sets"].items():
            for r in entry["runs"]:
                before[(name, r["seed"])] = r["ours"]
    factories = {} if args.no_crowdkit else {k: f for k, f in crowdkit_factories().items()
                                             if k in args.crowdkit_methods}

    jobs = [(name, seed, lambda n=name, s=seed: load_simulated(n, s))
            for name in args.scenarios for seed in range(args.seeds)]
    jobs += [(name, None, lambda n=name: load_real(n)) for name in args.real]
    results = {"sets": {}}
    for name, seed, loader in jobs:
        data = loader()
        run = {"seed": seed, "ours": {}, "crowdkit": {}}
        for key in OURS:
            acc, sec = run_ours(key, data)
            run["ours"][key] = {"accuracy": round(acc, 4), "seconds": round(sec, 3)}
        if (name, seed) in before:
            run["ours_before"] = before[(name, seed)]
        cached = previous.get((name, seed), {})
        for key in OURS:
            if key in cached:
                run["crowdkit"][key] = cached[key]
            elif key in factories:
                acc, sec = run_crowdkit(factories[key], data)
                run["crowdkit"][key] = {"accuracy": round(acc, 4), "seconds": round(sec, 3)}
        entry = results["sets"].setdefault(name, {"kind": "simulated" if seed is not None else "real",
                                                  "shape": describe(data), "runs": []})
        entry["runs"].append(run)
        summary = "  ".join(f"{k} {run['ours'][k]['accuracy']:.3f}/"
                            f"{run['crowdkit'].get(k, {}).get('accuracy', float('nan')):.3f}"
                            for k in OURS)
        print(f"{name} seed={seed}: {summary}", flush=True)
        write(results, args.out)  # after every set, so a long run leaves usable partial results
    if args.markdown:
        print(results["table"])


def write(results: dict, out: Path) -> None:
    import scipy

    try:
        import crowdkit
        ck_version = crowdkit.__version__
    except ImportError:
        ck_version = None
    results["environment"] = {"python": platform.python_version(), "numpy": np.__version__,
                              "scipy": scipy.__version__, "crowdkit": ck_version,
                              "cpu_count": os.cpu_count()}
    results["table"] = markdown(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
