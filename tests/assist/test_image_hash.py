"""Perceptual hashes: equal to imagehash's, robust to resizing and recompression, apart for different images."""

import io

import numpy as np
import pytest
from PIL import Image

from labelwise.assist.image_hash import dhash, hamming, near_pairs, phash
from tests.media_helpers import encode, scene


def reopen(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_bit_for_bit_equal_to_imagehash():
    imagehash = pytest.importorskip("imagehash")
    for seed in range(8):
        image = scene(seed)
        assert phash(image) == str(imagehash.phash(image))
        assert dhash(image) == str(imagehash.dhash(image))
        assert phash(image, hash_size=16) == str(imagehash.phash(image, hash_size=16))


def test_resized_and_recompressed_copies_are_near():
    for seed in range(6):
        original = scene(seed, (640, 480))
        reference = phash(original)
        copies = [
            original.resize((320, 240)),
            original.resize((1000, 750)),
            reopen(encode(original, "JPEG", quality=40)),
            reopen(encode(original.resize((200, 150)), "WEBP", quality=50)),
        ]
        assert max(hamming(reference, phash(copy)) for copy in copies) <= 8


def test_different_images_are_far():
    hashes = [phash(scene(seed)) for seed in range(30)]
    distances = [hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1:]]
    assert min(distances) > 12


def test_near_pairs_equals_brute_force():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 2**63, 700, dtype=np.uint64)
    values[100] = values[5] ^ np.uint64(0b1011)  # 3 bits apart
    values[600] = values[5] ^ np.uint64(1 << 40)
    found = near_pairs(values, max_distance=4, block=64)
    brute = {(i, j) for i in range(700) for j in range(i + 1, 700)
             if bin(int(values[i]) ^ int(values[j])).count("1") <= 4}
    assert {(int(i), int(j)) for i, j, _ in found} == brute
    assert {(5, 100), (5, 600), (100, 600)} <= brute
