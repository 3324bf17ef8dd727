"""Backtest of the completion forecast (`labelwise.core.crowd.forecast_model`): replay a crowd job's
judgements in time order, stop at 25 / 50 / 75 % done, forecast the time to finish from what came before,
and compare with when the job really finished.

Input, either:
- `--times FILE`: a CSV of real judgements with `worker` and `timestamp` (ISO 8601 or Unix seconds)
  columns, e.g. a platform's export of annotations with their `created_at`; or, by default,
- the shared crowd sets (../shared/data/crowd: bluebirds, rte, wsd, hitspam). These carry each worker's
  judgements but **no clock times**, so the replay keeps the real number of workers and each worker's
  real volume, and gives the judgements times from a stated, seeded model of crowd work: each worker
  arrives on a random day of the job, works sessions of lognormal length at their own lognormal pace,
  mostly in the daytime hours of their own time zone and less at weekends, and drops out once their
  judgements are used up. The figures say how the forecast copes with that structure (daily and weekly
  rhythm, workers joining and leaving, a long tail); they are not a measurement on real clock times.

Each forecast is scored by the relative error of the predicted time to finish, (predicted - actual) /
actual, and by whether the actual finish fell inside the 80 % interval. A naive baseline, the average
pace so far extrapolated linearly, is scored beside it.

    python benchmarks/forecast_backtest.py [--data ../shared/data/crowd] [--times FILE] [--repeats 5]
        [--out benchmarks/results/forecast_backtest.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np

from labelwise.core.crowd.forecast_model import forecast

DATASETS = ("bluebirds", "rte", "wsd", "hitspam")
POINTS = (0.25, 0.5, 0.75)
START = datetime(2026, 3, 2).timestamp()  # a Monday; the model's hours are UTC


def load_volumes(directory: Path) -> list[int]:
    """Judgements per worker, in the order the workers first appear in the file."""
    counts: dict[str, int] = defaultdict(int)
    with open(directory / "labels.csv", newline="") as fp:
        for row in csv.DictReader(fp):
            counts[row["worker"]] += 1
    return list(counts.values())


def simulate(volumes: list[int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Clock times for every worker's judgements (see the module docstring): (times, worker index)."""
    rng = np.random.default_rng(seed)
    span_days = max(3.0, min(21.0, sum(volumes) / 600.0))  # bigger jobs run longer
    times, workers = [], []
    for worker, volume in enumerate(volumes):
        zone = rng.choice([-8, -5, 0, 1, 5.5, 8])  # hours from UTC
        pace = rng.lognormal(np.log(25.0), 0.5)  # seconds per judgement
        t = START + rng.uniform(0, span_days) * 86400
        left = volume
        while left > 0:
            local_hour = ((t / 3600.0 + zone) % 24)
            weekday = int(((t / 86400.0) + 3) % 7)  # 0 = Monday
            awake = 8 <= local_hour < 23
            likely = (0.6 if weekday < 5 else 0.25) if awake else 0.03
            if rng.random() > likely:
                t += rng.uniform(0.5, 3.0) * 3600  # not now: come back later
                continue
            size = min(left, max(1, int(rng.lognormal(np.log(40), 0.8))))
            steps = rng.gamma(2.0, pace / 2.0, size=size)
            stamps = t + np.cumsum(steps)
            times.extend(stamps)
            workers.extend([worker] * size)
            left -= size
            t = stamps[-1] + rng.exponential(6 * 3600)
    order = np.argsort(times)
    return np.asarray(times)[order], np.asarray(workers)[order]


def load_times(path: Path) -> tuple[np.ndarray, np.ndarray]:
    times, workers = [], []
    with open(path, newline="") as fp:
        for row in csv.DictReader(fp):
            raw = row["timestamp"].strip()
            try:
                value = float(raw)
            except ValueError:
                value = datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
            times.append(value)
            workers.append(row["worker"])
    order = np.argsort(times, kind="stable")
    return np.asarray(times, dtype=float)[order], np.asarray(workers, dtype=object)[order]


def backtest(times: np.ndarray, workers: np.ndarray) -> list[dict]:
    total, finish = len(times), float(times[-1])
    rows = []
    for share in POINTS:
        done = int(total * share)
        now = float(times[done - 1]) + 1.0
        actual = finish - now
        started = time.perf_counter()
        result = forecast(times[:done], workers[:done], now=now, remaining=total - done)
        seconds = time.perf_counter() - started
        naive = (now - float(times[0])) / done * (total - done)
        predicted = result.eta_seconds
        rows.append({
            "done": share, "answers_so_far": done, "remaining": total - done,
            "actual_hours": round(actual / 3600, 2),
            "forecast_hours": None if predicted is None else round(predicted / 3600, 2),
            "interval_hours": None if result.eta_low_seconds is None else
            [round(result.eta_low_seconds / 3600, 2), round(result.eta_high_seconds / 3600, 2)],
            "relative_error": None if predicted is None else round((predicted - actual) / actual, 4),
            "inside_interval": None if result.eta_low_seconds is None else
            bool(result.eta_low_seconds <= actual <= result.eta_high_seconds),
            "naive_relative_error": round((naive - actual) / actual, 4),
            "forecast_seconds": round(seconds, 3),
        })
    return rows


def summarise(runs: list[list[dict]]) -> dict:
    out = {}
    for index, share in enumerate(POINTS):
        rows = [run[index] for run in runs]
        errors = [abs(r["relative_error"]) for r in rows if r["relative_error"] is not None]
        naive = [abs(r["naive_relative_error"]) for r in rows]
        inside = [r["inside_interval"] for r in rows if r["inside_interval"] is not None]
        out[f"{int(share * 100)}%"] = {
            "median_abs_relative_error": round(float(np.median(errors)), 3) if errors else None,
            "naive_median_abs_relative_error": round(float(np.median(naive)), 3),
            "interval_coverage": round(sum(inside) / len(inside), 3) if inside else None,
            "runs": len(rows),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/crowd"))
    parser.add_argument("--times", type=Path, help="a CSV of real judgements with worker and timestamp columns")
    parser.add_argument("--repeats", type=int, default=5, help="seeds of the work model per crowd set")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results/forecast_backtest.json")
    args = parser.parse_args()
    report: dict = {"machine": platform.platform(), "python": platform.python_version(), "points": POINTS}
    if args.times:
        times, workers = load_times(args.times)
        runs = [backtest(times, workers)]
        report["input"] = {"kind": "real timestamps", "file": str(args.times)}
        report["datasets"] = {args.times.stem: {"runs": runs, "summary": summarise(runs)}}
    else:
        report["input"] = {"kind": "crowd sets' per-worker volumes and order, clock times from a seeded "
                                   "work model (the sets carry no timestamps)", "repeats": args.repeats}
        report["datasets"] = {}
        every = []
        for name in DATASETS:
            volumes = load_volumes(args.data / name)
            runs = [backtest(*simulate(volumes, seed)) for seed in range(args.repeats)]
            every.extend(runs)
            report["datasets"][name] = {"judgements": sum(volumes), "workers": len(volumes),
                                        "summary": summarise(runs), "runs": runs}
            print(name, json.dumps(report["datasets"][name]["summary"]))
        report["overall"] = summarise(every)
        print("overall", json.dumps(report["overall"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
