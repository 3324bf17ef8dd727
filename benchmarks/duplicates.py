"""Benchmark near-duplicate text detection (MinHash/LSH) on a million synthetic texts, in one process.

Usage: ``python benchmarks/duplicates.py [--texts 1000000] [--pairs 10000] [--threshold 0.8]``.
Writes ``benchmarks/results/duplicates.json``. Texts are 20-40 words drawn from a 20,000-word
vocabulary (about 200 characters); ``--pairs`` of them get a near copy with one to three words
replaced, deleted or misspelt. Reported: time and peak memory of signatures + LSH candidates
and of exact verification, and precision/recall of the injected pairs (recall also restricted to
pairs whose true 5-shingle Jaccard meets the threshold, the ones the method promises to find).
For scale, datasketch's MinHash (128 permutations) is timed on a sample of the same texts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import threading
import time
from pathlib import Path

import numpy as np

from labelwise.assist.minhash import MinHashLSH, jaccard, shingles, verified_pairs

OUT = Path(__file__).resolve().parent / "results" / "duplicates.json"


def rss_mb() -> float:
    with open("/proc/self/statm") as fp:
        return int(fp.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakSampler:
    """The highest resident memory seen while the block runs (sampled every 5 ms)."""

    def __enter__(self) -> "PeakSampler":
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def synthetic(n: int, pairs: int, seed: int) -> tuple[list[str], set[tuple[int, int]]]:
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, rng.integers(3, 10))) for _ in range(20_000)]
    texts: list[str] = []
    for start in range(0, n - pairs, 50_000):  # in chunks, so generating does not set the memory peak
        size = min(50_000, n - pairs - start)
        lengths = rng.integers(20, 41, size)
        words = rng.integers(0, len(vocab), (size, 40))
        texts += [" ".join([vocab[w] for w in row[:k]]) for row, k in zip(words.tolist(), lengths.tolist())]
    truth = set()
    for base in rng.choice(n - pairs, pairs, replace=False).tolist():
        tokens = texts[base].split()
        for _ in range(int(rng.integers(1, 4))):
            at = int(rng.integers(len(tokens)))
            edit = rng.random()
            if edit < 0.4:
                tokens[at] = vocab[int(rng.integers(len(vocab)))]
            elif edit < 0.7 and len(tokens) > 5:
                del tokens[at]
            else:
                word = tokens[at]
                tokens[at] = word[:-1] + str(letters[int(rng.integers(26))])
        truth.add((base, len(texts)))
        texts.append(" ".join(tokens))
    return texts, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=5_000, help="Texts for the datasketch comparison.")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    started = time.perf_counter()
    texts, truth = synthetic(args.texts, args.pairs, args.seed)
    generated_s = time.perf_counter() - started
    baseline = rss_mb()

    with PeakSampler() as sampler:
        started = time.perf_counter()
        lsh = MinHashLSH(threshold=args.threshold).fit(iter(texts))
        lsh_s = time.perf_counter() - started
        started = time.perf_counter()
        found = {(i, j): s for i, j, s in verified_pairs(lsh.candidates_, lambda ids: {k: texts[k] for k in ids},
                                                         threshold=args.threshold)}
        verify_s = time.perf_counter() - started

    true_jaccard = {pair: jaccard(texts[pair[0]], texts[pair[1]]) for pair in truth}
    promised = {pair for pair, value in true_jaccard.items() if value >= args.threshold}
    hits = set(found) & truth
    result = {
        "machine": {"python": platform.python_version(), "numpy": np.__version__, "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "texts": len(texts),
        "mean_characters": round(float(np.mean([len(t) for t in texts[:100_000]])), 1),
        "injected_pairs": len(truth),
        "injected_pairs_at_or_above_threshold": len(promised),
        "threshold": args.threshold,
        "num_perm": lsh.num_perm, "bands": lsh.bands, "rows": lsh.rows, "ngram": lsh.ngram,
        "seconds": {"generate_texts": round(generated_s, 2), "signatures_and_lsh": round(lsh_s, 2),
                    "verify_candidates": round(verify_s, 2), "total_detection": round(lsh_s + verify_s, 2)},
        "texts_per_second": round(len(texts) / (lsh_s + verify_s)),
        "memory_mb": {"process_with_texts_before_detection": round(baseline, 1),
                      "peak_during_detection": round(sampler.peak, 1),
                      "detection_over_texts": round(sampler.peak - baseline, 1),
                      "peak_process_including_generation": round(peak_mb(), 1),
                      "band_keys": round(sum(k.nbytes for k in lsh.band_keys_) / 2**20, 1)},
        "candidates": int(len(lsh.candidates_)),
        "reported_pairs": len(found),
        "precision": round(len(hits) / max(len(found), 1), 4),
        "recall_all_injected": round(len(hits) / len(truth), 4),
        "recall_at_or_above_threshold": round(len(hits & promised) / max(len(promised), 1), 4),
        "injected_jaccard_quantiles": {q: round(float(np.quantile(list(true_jaccard.values()), q)), 3)
                                       for q in (0.05, 0.25, 0.5, 0.75, 0.95)},
    }
    result["datasketch"] = _datasketch(texts[: args.sample], lsh_s / len(texts))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _datasketch(sample: list[str], ours_per_text: float) -> dict:
    try:
        from datasketch import MinHash
    except ImportError:
        return {"skipped": "datasketch is not installed"}
    started = time.perf_counter()
    for text in sample:
        minhash = MinHash(num_perm=128)
        minhash.update_batch([s.encode() for s in shingles(text)])
    per_text = (time.perf_counter() - started) / len(sample)
    return {"sample": len(sample), "minhash_seconds_per_1000_texts": round(per_text * 1000, 3),
            "ours_signatures_and_lsh_seconds_per_1000_texts": round(ours_per_text * 1000, 3),
            "estimated_datasketch_seconds_for_1m_signatures": round(per_text * 1_000_000, 1)}


if __name__ == "__main__":
    main()
