"""Dynamic overlap against fixed overlap on real crowd data: labels spent and accuracy against the truth.

Replays the shared crowd sets (../shared/data/crowd) through the platform's routing rule: a task first
gets `overlap` judgements; while its consensus confidence (`labelwise.core.review.consensus.choice_posterior`,
the function the platform uses) is under `confidence_target` and it has fewer than `max_overlap`, the
next annotator to arrive is routed to it. Each task's judgements are taken in file order as they are
requested, so a task can never get more than the data holds. Fixed overlap k takes the first k
judgements of every task. "+skills" routes the extra annotators (and decides the labels) with each
annotator's Dawid–Skene skill fitted on the first round of `overlap` judgements per task, as a project
does with POST /quality/refit after its first pass.

    python benchmarks/dynamic_overlap.py [--data ../shared/data/crowd] [--out benchmarks/results/dynamic_overlap.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import time
from collections import defaultdict
from pathlib import Path

from labelwise.core.review.consensus import choice_posterior
from labelwise.quality import DawidSkene, encode

DATASETS = ("bluebirds", "rte", "wsd", "hitspam")
FIXED = (3, 5)
DYNAMIC = ((2, 5, 0.8), (3, 7, 0.9), (3, 10, 0.95))


def load(directory: Path):
    judgements: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with open(directory / "labels.csv", newline="") as fp:
        for row in csv.DictReader(fp):
            judgements[row["task"]].append((row["worker"], row["label"]))
    with open(directory / "truth.csv", newline="") as fp:
        truth = {row["task"]: row["true_label"] for row in csv.DictReader(fp)}
    labels = sorted({label for rows in judgements.values() for _, label in rows})
    return judgements, truth, labels


def decide(rows, labels, skills=None):
    votes = [(label, (skills or {}).get(worker)) for worker, label in rows]
    winner, confidence, _ = choice_posterior(votes, labels)
    return winner, confidence


def fixed(judgements, truth, labels, k):
    chosen = {task: rows[:k] if k else rows for task, rows in judgements.items()}
    return _score(chosen, truth, labels)


def dynamic(judgements, truth, labels, overlap, max_overlap, target, skills=None):
    chosen = {}
    for task, rows in judgements.items():
        n = min(overlap, len(rows))
        while n < min(max_overlap, len(rows)) and decide(rows[:n], labels, skills)[1] < target:
            n += 1
        chosen[task] = rows[:n]
    return _score(chosen, truth, labels, skills)


def first_round_skills(judgements, overlap):
    tasks, workers, answers = zip(*[(t, w, l) for t, rows in judgements.items() for w, l in rows[:overlap]])
    coded = encode(tasks, workers, answers)
    model = DawidSkene().fit(coded.tasks, coded.workers, coded.labels, **coded.sizes)
    return dict(zip(coded.worker_ids, model.skills_.tolist()))


def _score(chosen, truth, labels, skills=None):
    spent = sum(len(rows) for rows in chosen.values())
    right = sum(decide(chosen[task], labels, skills)[0] == label for task, label in truth.items() if task in chosen)
    return {"labels": spent, "labels_per_task": round(spent / len(chosen), 3),
            "accuracy": round(right / len(truth), 4)}


def run(data: Path) -> dict:
    results = {}
    for name in DATASETS:
        if not (data / name).exists():
            continue
        started = time.perf_counter()
        judgements, truth, labels = load(data / name)
        rows = {"full": fixed(judgements, truth, labels, 0)}
        for k in FIXED:
            rows[f"fixed k={k}"] = fixed(judgements, truth, labels, k)
        for overlap, max_overlap, target in DYNAMIC:
            key = f"dynamic {overlap}->{max_overlap} @ {target}"
            rows[key] = dynamic(judgements, truth, labels, overlap, max_overlap, target)
            skills = first_round_skills(judgements, overlap)
            rows[f"{key} +skills"] = dynamic(judgements, truth, labels, overlap, max_overlap, target, skills)
        results[name] = {"tasks": len(judgements), "judgements": sum(map(len, judgements.values())),
                         "truth_tasks": len(truth), "labels": labels, "runs": rows,
                         "seconds": round(time.perf_counter() - started, 2)}
    return results


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=here.parent.parent / "shared" / "data" / "crowd")
    parser.add_argument("--out", type=Path, default=here / "results" / "dynamic_overlap.json")
    args = parser.parse_args()
    results = run(args.data)
    payload = {"machine": platform.platform(), "python": platform.python_version(),
               "rule": "labelwise.core.review.consensus.choice_posterior (one-coin posterior, prior accuracy 0.7)",
               "datasets": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    for name, result in results.items():
        print(f"\n{name}: {result['tasks']} tasks, {result['judgements']} judgements, {result['truth_tasks']} with truth")
        for key, row in result["runs"].items():
            print(f"  {key:32s} labels {row['labels']:6d} ({row['labels_per_task']:5.2f}/task)  "
                  f"accuracy {row['accuracy']:.4f}")


if __name__ == "__main__":
    main()
