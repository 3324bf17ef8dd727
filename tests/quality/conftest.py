"""Shared fixtures for the aggregation tests: the crowd sets and crowd-kit as the oracle."""

from __future__ import annotations

import csv
import functools
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from labelwise.quality.aggregation import Encoding, encode

CROWD = Path(__file__).resolve().parent.parent / "data" / "crowd"
DATASETS = ("bluebirds", "rte", "wsd", "hitspam_sample")

# crowd-kit 1.4.2 on the full sets (shared/data/README.md): MV / DS / GLAD / MACE.
# hitspam: every method scores 0.66 on its 100 gold tasks, on the full set and on the sample.
REFERENCE = {
    "bluebirds": {"mv": 0.759, "ds": 0.889, "glad": 0.722, "mace": 0.750},
    "rte": {"mv": 0.875, "ds": 0.9275, "glad": 0.925, "mace": 0.925},
    "wsd": {"mv": 0.994, "ds": 0.994, "glad": 0.994, "mace": 0.994},
    "hitspam_sample": {"mv": 0.66, "ds": 0.66, "glad": 0.66, "mace": 0.66},
}


@dataclass(frozen=True)
class Crowd:
    name: str
    enc: Encoding
    truth: dict[str, str]

    def accuracy(self, codes: np.ndarray) -> float:
        index = {t: i for i, t in enumerate(self.enc.task_ids)}
        labels = self.enc.decode_labels(codes)
        return float(np.mean([labels[index[t]] == v for t, v in self.truth.items()]))

    def fit_args(self) -> tuple:
        return self.enc.tasks, self.enc.workers, self.enc.labels


@functools.lru_cache(maxsize=None)
def load_crowd(name: str) -> Crowd:
    with open(CROWD / name / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(CROWD / name / "truth.csv", newline="") as f:
        truth = {r["task"]: r["true_label"] for r in csv.DictReader(f)}
    enc = encode([r["task"] for r in rows], [r["worker"] for r in rows], [r["label"] for r in rows])
    return Crowd(name, enc, truth)


@functools.lru_cache(maxsize=None)
def crowdkit_accuracy(name: str, method: str) -> float:
    """Accuracy of crowd-kit's aggregator on a set: the oracle our results must match or beat."""
    pd = pytest.importorskip("pandas")
    aggregation = pytest.importorskip("crowdkit.aggregation")
    factories = {
        "mv": lambda: aggregation.MajorityVote(),
        "ds": lambda: aggregation.DawidSkene(n_iter=100),
        "onecoin": lambda: aggregation.OneCoinDawidSkene(n_iter=100),
        "glad": lambda: aggregation.GLAD(),
        "mace": lambda: aggregation.MACE(random_state=0),
    }
    df = pd.read_csv(CROWD / name / "labels.csv", dtype=str)
    gt = pd.read_csv(CROWD / name / "truth.csv", dtype=str).set_index("task")["true_label"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = factories[method]().fit_predict(df)
    return float((result.loc[gt.index].astype(str) == gt).mean())


def noisy_crowd(*, n_tasks: int = 300, n_labels: int = 3, accuracies=(1.0, 0.8, 0.7, 0.6, 0.55),
                per_task: int | None = None, seed: int = 0):
    """Synthetic judgements: worker i answers correctly with accuracies[i], else uniformly wrong."""
    rng = np.random.default_rng(seed)
    acc = np.asarray(accuracies)
    truth = rng.integers(0, n_labels, n_tasks)
    n_workers = len(acc)
    per_task = per_task or n_workers
    tasks = np.repeat(np.arange(n_tasks), per_task)
    workers = np.concatenate([rng.choice(n_workers, per_task, replace=False) for _ in range(n_tasks)])
    right = rng.random(len(tasks)) < acc[workers]
    wrong = (truth[tasks] + rng.integers(1, n_labels, len(tasks))) % n_labels
    labels = np.where(right, truth[tasks], wrong)
    return tasks, workers, labels, truth


@pytest.fixture
def load() -> callable:
    """``load(name)`` → the cached :class:`Crowd` set."""
    return load_crowd


@pytest.fixture
def oracle() -> callable:
    """``oracle(name, method)`` → crowd-kit's accuracy, cached per session."""
    return crowdkit_accuracy


@pytest.fixture
def reference() -> dict:
    return REFERENCE


@pytest.fixture
def make_noisy() -> callable:
    return noisy_crowd
