"""Near-duplicate text by MinHash and LSH banding, vectorised with numpy.

Texts are lower-cased, whitespace-collapsed and cut into character n-grams (code points). Signatures
use one-permutation hashing (Li, Owen & Zhang, "One Permutation Hashing", NIPS 2012) with optimal
densification (Shrivastava, "Optimal Densification for Fast and Accurate Minwise Hashing", ICML 2017):
each shingle is hashed once instead of once per permutation, which is what makes a million texts
take seconds, and the collision probability of a signature slot is still the Jaccard similarity.
LSH banding (Leskovec, Rajaraman & Ullman, "Mining of Massive Datasets", ch. 3) turns signatures into
candidate pairs; `verified_pairs` then keeps those whose exact shingle Jaccard meets the threshold.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice

import numpy as np

__all__ = ["BandIndex", "MinHashLSH", "jaccard", "normalize", "optimal_bands", "shingles", "signatures", "verified_pairs"]

_U64 = np.uint64
_trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy < 2 names it trapz
_EMPTY = np.uint32(0xFFFFFFFF)


def normalize(text: str) -> str:
    return " ".join(text.replace("\x00", " ").lower().split())


def shingles(text: str, ngram: int = 5) -> set[str]:
    """The exact shingle set the signatures are built from (texts shorter than `ngram` are space-padded)."""
    norm = normalize(text).ljust(ngram)
    return {norm[i:i + ngram] for i in range(len(norm) - ngram + 1)}


def jaccard(a: str, b: str, ngram: int = 5) -> float:
    sa, sb = shingles(a, ngram), shingles(b, ngram)
    return len(sa & sb) / len(sa | sb)


def signatures(texts: Sequence[str], *, num_perm: int = 128, ngram: int = 5, seed: int = 1) -> np.ndarray:
    """(len(texts), num_perm) uint32 MinHash signatures; equal slots estimate the Jaccard similarity."""
    doc, values = _shingle_hashes([normalize(t).ljust(ngram) for t in texts], ngram, seed)
    n = len(texts)
    slots = ((values >> _U64(32)) % _U64(num_perm)).astype(np.int64)
    flat = np.full(n * num_perm, _EMPTY, dtype=np.uint32)
    np.minimum.at(flat, doc.astype(np.int64) * num_perm + slots, (values & _U64(0xFFFFFFFF)).astype(np.uint32))
    filled = np.zeros(n * num_perm, dtype=bool)
    filled[doc.astype(np.int64) * num_perm + slots] = True
    sig, filled = flat.reshape(n, num_perm), filled.reshape(n, num_perm)
    _densify(sig, filled, seed)
    return sig


def optimal_bands(threshold: float, num_perm: int, *, min_recall: float = 0.95) -> tuple[int, int]:
    """Bands and rows whose S-curve passes a pair of Jaccard `threshold` with probability >= `min_recall`,
    choosing, among those, the one with the least false-positive area below the threshold.

    Candidates are verified exactly afterwards, so a false positive costs one comparison while a
    false negative is a duplicate never shown: the choice leans to recall.
    """
    grid = np.linspace(0.0, threshold, 201)
    best, best_cost = (num_perm, 1), np.inf
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands < min_recall:
            continue
        cost = _trapezoid(1 - (1 - grid**rows) ** bands, grid)
        if cost < best_cost:
            best, best_cost = (bands, rows), cost
    return best


class MinHashLSH:
    """Candidate near-duplicate pairs among many texts, fed as a stream (e.g. from the database).

    >>> lsh = MinHashLSH(threshold=0.8).fit(texts)
    >>> lsh.candidates_            # (m, 2) int64, i < j, positions in the stream

    Memory is `bands` 8-byte keys per text (`band_keys_`, a list of per-chunk arrays); signatures are
    computed per chunk and dropped.
    """

    def __init__(self, *, threshold: float = 0.8, num_perm: int = 128, ngram: int = 5, seed: int = 1,
                 bands: int | None = None, rows: int | None = None, chunk_size: int = 5_000,
                 max_offset: int = 8) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.num_perm = num_perm
        self.ngram = ngram
        self.seed = seed
        if bands is None or rows is None:
            bands, rows = optimal_bands(threshold, num_perm)
        if bands * rows > num_perm:
            raise ValueError("bands * rows must not exceed num_perm")
        self.bands, self.rows = bands, rows
        self.chunk_size = chunk_size
        self.max_offset = max_offset

    def fit(self, texts: Iterable[str]) -> "MinHashLSH":
        # Kept per chunk: one band at a time is joined when pairing, never the whole (n, bands) table twice.
        self.band_keys_ = [self._band_keys(chunk) for chunk in _chunks(iter(texts), self.chunk_size)]
        self.n_ = sum(len(keys) for keys in self.band_keys_)
        self.candidates_ = self._candidates()
        return self

    def band_keys(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), bands) uint64 LSH band keys: texts sharing any key are candidate pairs."""
        if not texts:
            return np.empty((0, self.bands), dtype=np.uint64)
        return self._band_keys(list(texts))

    def _band_keys(self, texts: list[str]) -> np.ndarray:
        sig = signatures(texts, num_perm=self.num_perm, ngram=self.ngram, seed=self.seed)
        used = sig[:, : self.bands * self.rows].reshape(len(texts), self.bands, self.rows).astype(np.uint64)
        key = np.full((len(texts), self.bands), _U64(self.seed), dtype=np.uint64)
        for row in range(self.rows):
            key = _mix(key ^ used[:, :, row])
        return key

    def _candidates(self) -> np.ndarray:
        n = self.n_
        found = []
        for band in range(self.bands):
            column = np.concatenate([keys[:, band] for keys in self.band_keys_]) if n else np.empty(0, np.uint64)
            order = np.argsort(column, kind="stable")
            ordered = column[order]
            # Members of a bucket sit next to each other once sorted; pairing each with its next few
            # neighbours finds every pair in buckets up to max_offset + 1 texts and links larger ones.
            for offset in range(1, min(self.max_offset, n - 1) + 1):
                same = np.nonzero(ordered[offset:] == ordered[:-offset])[0]
                if len(same) == 0:
                    break
                a, b = order[same], order[same + offset]
                found.append(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
        if not found:
            return np.empty((0, 2), dtype=np.int64)
        codes = np.unique(np.concatenate(found))
        return np.stack([codes // n, codes % n], axis=1)


class BandIndex:
    """Band keys of items seen so far (append-only), to look up the LSH candidates of new items.

    Kept as a few sorted numpy segments of geometrically growing size, so adding a batch costs a sort
    of that batch (and now and then a merge) and a lookup is a binary search per key and segment. A key shared by very many items (a
    template text) yields at most `max_per_key` of them: the caller needs a match, not all of them.
    """

    def __init__(self, *, max_per_key: int = 8, max_segments: int = 16) -> None:
        self.max_per_key = max_per_key
        self.max_segments = max_segments
        self._segments: list[tuple[np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(keys) for keys, _ in self._segments)

    def add(self, keys: np.ndarray, owners: np.ndarray) -> None:
        """Index the (n, bands) `keys` of n items called `owners` (int64 ids)."""
        if len(keys) == 0:
            return
        flat, own = _salted(keys), np.repeat(np.asarray(owners, dtype=np.int64), keys.shape[1])
        order = np.argsort(flat, kind="stable")
        self._segments.append((flat[order], own[order]))
        # Merge the newest segment into the one before while that one is not much larger (sizes grow
        # geometrically): a million items take a few dozen merges of sorted runs, not one full sort per
        # `max_segments` batches, and lookups visit only a logarithmic number of segments.
        while len(self._segments) > 1 and (len(self._segments[-2][0]) <= 2 * len(self._segments[-1][0])
                                           or len(self._segments) > self.max_segments):
            (old_keys, old_owners), (new_keys, new_owners) = self._segments[-2], self._segments[-1]
            flat = np.concatenate([old_keys, new_keys])
            order = np.argsort(flat, kind="stable")  # two sorted runs: a linear merge
            self._segments[-2:] = [(flat[order], np.concatenate([old_owners, new_owners])[order])]

    def query(self, keys: np.ndarray) -> np.ndarray:
        """(m, 2) int64 unique pairs (row of `keys`, owner) sharing at least one band key."""
        if len(keys) == 0 or not self._segments:
            return np.empty((0, 2), dtype=np.int64)
        flat = _salted(keys)
        rows = np.repeat(np.arange(len(keys), dtype=np.int64), keys.shape[1])
        # Sorted queries walk each segment front to back (numpy's binary search starts from the last
        # answer), and one search finds the hits: the right edge is only looked for where there is one.
        order = np.argsort(flat)
        flat, rows = flat[order], rows[order]
        found = []
        for seg_keys, seg_owners in self._segments:
            left = np.searchsorted(seg_keys, flat, side="left")
            inside = left < len(seg_keys)
            hit = np.nonzero(inside)[0]
            hit = hit[seg_keys[left[hit]] == flat[hit]]
            if len(hit) == 0:
                continue
            right = np.searchsorted(seg_keys, flat[hit], side="right")
            counts = np.minimum(right - left[hit], self.max_per_key)
            starts = np.repeat(left[hit], counts)
            steps = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            found.append(np.stack([np.repeat(rows[hit], counts), seg_owners[starts + steps]], axis=1))
        if not found:
            return np.empty((0, 2), dtype=np.int64)
        return np.unique(np.concatenate(found), axis=0)


def _salted(keys: np.ndarray) -> np.ndarray:
    """Band keys made distinct per band, flattened row by row."""
    salt = _mix(np.arange(keys.shape[1], dtype=np.uint64) + _U64(0x51ED2701))
    return (keys ^ salt[None, :]).ravel()


def verified_pairs(candidates: np.ndarray, text_of: Callable[[Sequence[int]], dict[int, str]], *,
                   threshold: float, ngram: int = 5, batch: int = 1_000) -> Iterator[tuple[int, int, float]]:
    """Candidate pairs whose exact shingle Jaccard is at least `threshold`, with that similarity.

    `text_of(ids)` returns the texts for a batch of positions, so callers can fetch them lazily.
    """
    for start in range(0, len(candidates), batch):
        part = candidates[start:start + batch]
        texts = text_of(np.unique(part).tolist())
        cache: dict[int, set[str]] = {}
        for i, j in part.tolist():
            a = cache.get(i) or cache.setdefault(i, shingles(texts[i], ngram))
            b = cache.get(j) or cache.setdefault(j, shingles(texts[j], ngram))
            similarity = len(a & b) / len(a | b)
            if similarity >= threshold:
                yield i, j, similarity


def _shingle_hashes(texts: list[str], ngram: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(doc index, 64-bit hash) for every n-gram of every (normalised, padded) text, in one numpy pass."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    windows = len(codes) - ngram + 1
    if windows <= 0:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.uint64)
    mixed = _code_table(seed)[np.minimum(codes, 0xFFFF)]
    wide = np.nonzero(codes > 0xFFFF)[0]  # beyond the Basic Multilingual Plane: rare, mixed directly
    if len(wide):
        mixed[wide] = _mix(codes[wide].astype(np.uint64) ^ _U64(seed))
    # h = sum_j mixed[i + j] * C_j (wrapping): a different odd multiplier per place keeps it order-sensitive.
    h = mixed[:windows].copy()
    scratch = np.empty(windows, dtype=np.uint64)
    for j in range(1, ngram):
        np.multiply(mixed[j:j + windows], _U64(_MULTIPLIERS[j]), out=scratch)
        h += scratch
    h = _mix(h)
    ends = np.cumsum(lengths)
    valid = np.ones(windows, dtype=bool)
    tails = (ends[:, None] - np.arange(1, ngram)[None, :]).ravel()  # windows that would cross into the next text
    valid[tails[(tails >= 0) & (tails < windows)]] = False
    doc = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)[:windows]
    return doc[valid], h[valid]


_MULTIPLIERS = [1, 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x27D4EB2F165667C5, 0x94D049BB133111EB,
                0xBF58476D1CE4E5B9, 0x2545F4914F6CDD1D, 0x9FB21C651E98DF25]
_TABLES: dict[int, np.ndarray] = {}


def _code_table(seed: int) -> np.ndarray:
    """Mixed hashes of every BMP code point for this seed, built once per process (512 KB)."""
    table = _TABLES.get(seed)
    if table is None:
        table = _TABLES[seed] = _mix(np.arange(0x10000, dtype=np.uint64) ^ _U64(seed * 0x9E3779B97F4A7C15 % 2**64))
    return table


def _densify(sig: np.ndarray, filled: np.ndarray, seed: int) -> None:
    """Fill empty slots from other slots chosen by a hash of (slot, attempt) shared by all texts."""
    docs, slots = np.nonzero(~filled)
    keep = filled.any(axis=1)[docs]  # texts with no shingle at all stay empty
    docs, slots = docs[keep], slots[keep]
    num_perm = sig.shape[1]
    attempt = 0
    while len(docs):
        attempt += 1
        source = (_mix(slots.astype(np.uint64) * _U64(0x100000001B3) + _U64(attempt * 0x9E37 + seed))
                  % _U64(num_perm)).astype(np.int64)
        hit = filled[docs, source]
        sig[docs[hit], slots[hit]] = sig[docs[hit], source[hit]]
        docs, slots = docs[~hit], slots[~hit]


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a fast, well-spread 64-bit mix (wrapping arithmetic)."""
    x = x ^ (x >> _U64(30))
    x = x * _U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U64(27))
    x = x * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


def _chunks(items: Iterator[str], size: int) -> Iterator[list[str]]:
    while chunk := list(islice(items, size)):
        yield chunk
