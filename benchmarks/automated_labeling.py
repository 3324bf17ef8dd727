"""Automated labeling: labels saved at a target precision, and the precision actually achieved.

Usage: ``nice -n 10 python benchmarks/automated_labeling.py [--seeds 10]``.
Writes ``benchmarks/results/automated_labeling.json`` and ``automated_labeling.png``. Per dataset
(digits; YouTube spam comments) and seed, a model (logistic regression; TF-IDF for text) is trained
on a small labeled seed set, a human-labeled calibration set picks the threshold, and the rest is
the pool to auto-label. For targets 0.90 / 0.95 / 0.98 it compares labelwise's ThresholdSelector
(Clopper-Pearson lower bound at 95 %, fixed-sequence search = the default, and the plain scan) with
two common shortcuts (auto-label when the confidence is at least the target; the smallest threshold
whose calibration precision, without an interval, meets the target) and with the oracle threshold
chosen on the pool's true labels (the most any rule could save). It reports the share of the pool
auto-labeled, the share saved after the verification sample (±5 % at 95 %) goes to humans, the
precision achieved on every auto-labeled task, how often it meets the target, and whether the
verification interval covers the achieved precision.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import load, model  # noqa: E402

from labelwise.assist.automation import ThresholdSelector, achieved_precision, plan_auto_labeling  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = (0.90, 0.95, 0.98)
RULES = ("fixed_sequence", "scan", "point_estimate", "confidence>=target", "oracle")
SIZES = {"digits": (200, 500), "youtube": (300, 500)}  # (labeled seed set, calibration set)


def split(y: np.ndarray, n_seed: int, n_cal: int, rng: np.random.Generator):
    order = rng.permutation(len(y))
    return order[:n_seed], order[n_seed:n_seed + n_cal], order[n_seed + n_cal:]


def point_threshold(conf: np.ndarray, correct: np.ndarray, target: float) -> float:
    """Smallest threshold whose calibration precision meets the target (no interval); tasks with the
    same confidence are taken or left together."""
    order = np.argsort(-conf, kind="stable")
    conf, correct = conf[order], correct[order]
    cuts = np.flatnonzero(np.r_[conf[1:] != conf[:-1], True])
    prec = np.cumsum(correct)[cuts] / (cuts + 1)
    ok = np.flatnonzero(prec >= target)
    return float(conf[cuts[ok[-1]]]) if len(ok) else np.inf


def oracle_threshold(conf: np.ndarray, correct: np.ndarray, target: float) -> float:
    return point_threshold(conf, correct, target)  # the same rule, on the pool's own truth


def run_one(name, X, y, seed, margin) -> list[dict]:
    rng = np.random.default_rng(seed)
    n_seed, n_cal = SIZES[name]
    seed_idx, cal_idx, pool_idx = split(y, n_seed, n_cal, rng)
    clf = model(name).fit(X[seed_idx], y[seed_idx])
    classes = np.asarray(clf.classes_)

    def predict(idx):
        proba = clf.predict_proba(X[idx])
        return proba.max(axis=1), classes[proba.argmax(axis=1)]

    cal_conf, cal_pred = predict(cal_idx)
    pool_conf, pool_pred = predict(pool_idx)
    cal_ok, pool_ok = cal_pred == y[cal_idx], pool_pred == y[pool_idx]
    rows = []
    for target in TARGETS:
        for rule in RULES:
            verified = None
            if rule in ("fixed_sequence", "scan"):
                sel = ThresholdSelector(target_precision=target, search=rule).fit(cal_conf, cal_ok)
                plan = plan_auto_labeling(sel, pool_conf, margin=margin, seed=seed)
                threshold, auto, n_verify = sel.threshold_, plan.auto, len(plan.verify)
                verified = achieved_precision(pool_ok[plan.verify]) if n_verify else None
            else:
                threshold = {"point_estimate": lambda: point_threshold(cal_conf, cal_ok, target),
                             "confidence>=target": lambda: target,
                             "oracle": lambda: oracle_threshold(pool_conf, pool_ok, target)}[rule]()
                auto, n_verify = np.flatnonzero(pool_conf >= threshold), 0
            precision = float(pool_ok[auto].mean()) if len(auto) else None
            rows.append({
                "dataset": name, "seed": seed, "target": target, "rule": rule,
                "model_accuracy": float(pool_ok.mean()), "threshold": None if np.isinf(threshold) else float(threshold),
                "pool": len(pool_idx), "auto_labeled": len(auto), "coverage": len(auto) / len(pool_idx),
                "verified": n_verify, "saved": (len(auto) - n_verify) / len(pool_idx),
                "achieved_precision": precision,
                "met_target": True if precision is None else precision >= target,
                "verified_precision": None if verified is None else verified.precision,
                "verified_interval": None if verified is None else [verified.low, verified.high],
                "interval_covers_achieved": None if verified is None else verified.low <= precision <= verified.high,
            })
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    out = []
    for name in dict.fromkeys(r["dataset"] for r in rows):
        for target in TARGETS:
            for rule in RULES:
                rs = [r for r in rows if r["dataset"] == name and r["target"] == target and r["rule"] == rule]
                precs = [r["achieved_precision"] for r in rs if r["achieved_precision"] is not None]
                covers = [r["interval_covers_achieved"] for r in rs if r["interval_covers_achieved"] is not None]
                out.append({
                    "dataset": name, "target": target, "rule": rule, "seeds": len(rs),
                    "model_accuracy": float(np.mean([r["model_accuracy"] for r in rs])),
                    "coverage": float(np.mean([r["coverage"] for r in rs])),
                    "saved": float(np.mean([r["saved"] for r in rs])),
                    "achieved_precision": float(np.mean(precs)) if precs else None,
                    "min_achieved_precision": float(np.min(precs)) if precs else None,
                    "runs_meeting_target": float(np.mean([r["met_target"] for r in rs])),
                    "runs_with_auto_labels": float(np.mean([r["auto_labeled"] > 0 for r in rs])),
                    "verification_interval_coverage": float(np.mean(covers)) if covers else None,
                })
    return out


def plot(summary: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(s["dataset"] for s in summary))
    fig, axes = plt.subplots(3, len(datasets), figsize=(5.5 * len(datasets), 10), squeeze=False)
    styles = {"fixed_sequence": ("C0", "o", "-"), "scan": ("C2", "s", ":"), "point_estimate": ("C1", "^", "-"),
              "confidence>=target": ("C3", "v", "-"), "oracle": ("0.5", "D", "--")}
    labels = {"fixed_sequence": "labelwise (CP bound, fixed sequence)", "scan": "labelwise (CP bound, scan)",
              "point_estimate": "calibration precision, no interval", "confidence>=target": "confidence >= target",
              "oracle": "oracle (pool truth)"}
    for col, ds in enumerate(datasets):
        for rule in RULES:
            color, marker, ls = styles[rule]
            ss = [s for s in summary if s["dataset"] == ds and s["rule"] == rule]
            x = [100 * s["target"] for s in ss]
            kw = dict(marker=marker, color=color, linestyle=ls, label=labels[rule])
            axes[0][col].plot(x, [100 * s["coverage"] for s in ss], **kw)
            if rule == "fixed_sequence":
                axes[0][col].plot(x, [100 * s["saved"] for s in ss], marker=marker, color=color, linestyle="--",
                                  alpha=0.6, label="labelwise, net of the verification sample")
            axes[1][col].plot(x, [100 * (s["achieved_precision"] or np.nan) for s in ss], **kw)
            axes[2][col].plot(x, [100 * s["runs_meeting_target"] for s in ss], **kw)
        axes[1][col].plot(x, x, color="k", linewidth=0.8, label="target")
        axes[0][col].set_title(f"{ds}: pool auto-labeled")
        axes[0][col].set_ylabel("% of pool")
        axes[1][col].set_title(f"{ds}: precision achieved on the auto-labeled pool")
        axes[1][col].set_ylabel("precision (%)")
        axes[2][col].set_title(f"{ds}: seeds whose achieved precision meets the target")
        axes[2][col].set_ylabel("% of seeds")
        axes[2][col].set_ylim(-5, 105)
        for ax in axes[:, col]:
            ax.set_xlabel("target precision (%)")
            ax.set_xticks([100 * t for t in TARGETS])
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--margin", type=float, default=0.05)
    parser.add_argument("--datasets", nargs="+", default=list(SIZES))
    parser.add_argument("--out", type=Path, default=RESULTS / "automated_labeling.json")
    args = parser.parse_args()
    # One BLAS/OpenMP thread per process: on a shared machine, more threads only contend.
    threadpool_limits(1)
    rows = []
    for name in args.datasets:
        X, y = load(name)
        for seed in range(args.seeds):
            rows.extend(run_one(name, X, y, seed, args.margin))
            print(f"{name} seed {seed} done", flush=True)
    summary = summarise(rows)
    for s in summary:
        prec = "-" if s["achieved_precision"] is None else f"{s['achieved_precision']:.3f}"
        print(f"{s['dataset']:8s} target {s['target']:.2f} {s['rule']:19s} auto {s['coverage']:.3f} "
              f"saved {s['saved']:.3f} precision {prec} met {s['runs_meeting_target']:.2f}")
    result = {"benchmark": "automated_labeling", "python": platform.python_version(), "seeds": args.seeds,
              "margin": args.margin, "sizes": SIZES, "confidence": 0.95, "summary": summary, "runs": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    plot(summary, args.out.with_suffix(".png"))


if __name__ == "__main__":
    main()
