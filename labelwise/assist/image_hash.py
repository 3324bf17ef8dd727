"""Perceptual image hashes and near-duplicate search by Hamming distance.

`phash` is the DCT hash of Zauner, "Implementation and Benchmarking of Perceptual Image Hash
Functions" (2010), and `dhash` the gradient hash of Krawetz ("Kind of Like That", 2013); both follow
the `imagehash` package bit for bit (same resize, same median/greater-than rule, same hex form), so
hashes computed here and there compare. Pure Pillow + numpy + scipy.
"""

import numpy as np
from PIL import Image

__all__ = ["dhash", "phash", "hamming", "near_pairs", "near_matches", "hex_to_int"]


def phash(image: Image.Image, *, hash_size: int = 8, highfreq_factor: int = 4) -> str:
    """64-bit (by default) perceptual hash as hex: low DCT frequencies above their median."""
    from scipy.fft import dct

    size = hash_size * highfreq_factor
    pixels = np.asarray(image.convert("L").resize((size, size), Image.Resampling.LANCZOS), dtype=np.float64)
    coefficients = dct(dct(pixels, axis=0), axis=1)[:hash_size, :hash_size]
    return _to_hex(coefficients > np.median(coefficients))


def dhash(image: Image.Image, *, hash_size: int = 8) -> str:
    """Difference hash as hex: is each pixel brighter than its left neighbour, on a tiny grey copy."""
    pixels = np.asarray(image.convert("L").resize((hash_size + 1, hash_size), Image.Resampling.LANCZOS))
    return _to_hex(pixels[:, 1:] > pixels[:, :-1])


def hex_to_int(value: str) -> int:
    return int(value, 16)


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def near_pairs(hashes: np.ndarray, *, max_distance: int = 8, block: int = 2048) -> np.ndarray:
    """All pairs (i < j) of 64-bit hashes within `max_distance` bits, as an (m, 3) array of i, j, distance.

    Exact and vectorised: blocks of the all-pairs XOR + popcount, O(n^2 / 64) words, which is seconds
    for tens of thousands of images. (A multi-index hash would be needed beyond a few hundred thousand.)
    """
    values = np.ascontiguousarray(hashes, dtype=np.uint64)
    n = len(values)
    found = []
    for start in range(0, n, block):
        rows = values[start:start + block]
        distances = _popcount(rows[:, None] ^ values[None, start:])
        i, j = np.nonzero(distances <= max_distance)
        keep = j > i  # columns are offset by `start`, so j > i means a later image
        i, j = i[keep], j[keep]
        found.append(np.stack([i + start, j + start, distances[i, j]], axis=1))
    return np.concatenate(found).astype(np.int64) if found else np.empty((0, 3), dtype=np.int64)


def near_matches(queries: np.ndarray, hashes: np.ndarray, *, max_distance: int = 8,
                 block: int = 1024) -> np.ndarray:
    """Pairs (query index, hash index, distance) of `queries` against `hashes` within `max_distance` bits."""
    queries = np.ascontiguousarray(queries, dtype=np.uint64)
    values = np.ascontiguousarray(hashes, dtype=np.uint64)
    found = []
    for start in range(0, len(queries), block):
        distances = _popcount(queries[start:start + block, None] ^ values[None, :])
        i, j = np.nonzero(distances <= max_distance)
        found.append(np.stack([i + start, j, distances[i, j]], axis=1))
    return np.concatenate(found).astype(np.int64) if found else np.empty((0, 3), dtype=np.int64)


def _popcount(x: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2
        return np.bitwise_count(x)
    bytes_ = x.view(np.uint8).reshape(*x.shape, 8)
    return _BYTE_BITS[bytes_].sum(axis=-1, dtype=np.uint8)


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _to_hex(bits: np.ndarray) -> str:
    flat = bits.ravel()
    value = int("".join("1" if b else "0" for b in flat), 2)
    return f"{value:0{(len(flat) + 3) // 4}x}"
