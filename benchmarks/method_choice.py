"""How close does the label-free method choice come to the truly best method?

Usage: ``python benchmarks/method_choice.py [--seeds 2]``. On every crowd shape of
``labelwise.quality.simulate.SCENARIOS`` (``--seeds`` seeds each) and the real sets with truth
where the methods differ (bluebirds, rte; wsd and hitspam score the same with every method),
``choose_method`` picks a method without gold (held-out likelihood of withheld labels); the
baseline in the same run is every method's accuracy on the truth. Reports, per set, the chosen
method, the best one and the gap in accuracy points, and writes
``benchmarks/results/method_choice.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from aggregation_generalisation import load_real, load_simulated

from labelwise.quality.method_choice import METHODS, choose_method, make_aggregator
from labelwise.quality.simulate import SCENARIOS

OUT = Path(__file__).resolve().parent / "results" / "method_choice.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    jobs = [(f"{n} seed={s}", lambda n=n, s=s: load_simulated(n, s)) for n in SCENARIOS for s in range(args.seeds)]
    jobs += [(n, lambda n=n: load_real(n)) for n in ("bluebirds", "rte")]
    rows = []
    for name, loader in jobs:
        d = loader()
        fit = (d["tasks"], d["workers"], d["labels"])
        sizes = {k: d[k] for k in ("n_tasks", "n_workers", "n_labels")}
        acc = {m: float(np.mean(make_aggregator(m).fit_predict(*fit, **sizes)[d["gold_tasks"]] == d["gold"]))
               for m in METHODS}
        chosen = choose_method(*fit, **sizes).method
        best = max(acc, key=acc.get)
        gap = 100 * (acc[best] - acc[chosen])
        rows.append({"set": name, "chosen": chosen, "best": best, "gap_points": round(gap, 2),
                     "accuracy": {m: round(a, 4) for m, a in acc.items()}})
        print(f"{name}: chose {chosen} ({acc[chosen]:.3f}), best {best} ({acc[best]:.3f}), gap {gap:.2f}", flush=True)
    gaps = [r["gap_points"] for r in rows]
    summary = {"sets": len(rows), "mean_gap_points": round(float(np.mean(gaps)), 2),
               "worst_gap_points": round(float(np.max(gaps)), 2),
               "best_picked": sum(g == 0 for g in gaps)}
    print(summary)
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
