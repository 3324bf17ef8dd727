"""Dice and HD95 on label volumes, checked against a brute-force oracle; per-slice RLE both ways."""

import numpy as np
import pytest

from labelwise.quality.volumes import decode_slice, dice, encode_slice, hausdorff95, label_volume, structure_agreement
from labelwise.schema import rle


def _oracle_hd95(a, b, spacing):
    """Every surface voxel of one mask against every surface voxel of the other, in mm."""
    def surface(mask):
        padded = np.pad(mask, 1)
        inner = padded[1:-1, 1:-1, 1:-1].copy()
        for axis in range(3):
            for shift in (-1, 1):
                inner &= np.roll(padded, shift, axis=axis)[1:-1, 1:-1, 1:-1]
        return np.argwhere(mask & ~inner) * np.asarray(spacing)

    pa, pb = surface(a), surface(b)
    distances = np.sqrt(((pa[:, None, :] - pb[None, :, :]) ** 2).sum(-1))
    return max(np.percentile(distances.min(1), 95), np.percentile(distances.min(0), 95))


def _blob(rng, shape):
    volume = np.zeros(shape, bool)
    for _ in range(3):
        center = rng.uniform(2, np.array(shape) - 2)
        radius = rng.uniform(1.5, 4)
        z, y, x = np.indices(shape)
        volume |= ((z - center[0]) ** 2 + (y - center[1]) ** 2 + (x - center[2]) ** 2) < radius ** 2
    return volume


@pytest.mark.parametrize("seed", range(6))
def test_hd95_matches_the_brute_force_oracle(seed):
    rng = np.random.default_rng(seed)
    shape, spacing = (9, 14, 16), (2.5, 0.7, 0.8)
    a, b = _blob(rng, shape), _blob(rng, shape)
    assert hausdorff95(a, b, spacing) == pytest.approx(_oracle_hd95(a, b, spacing), rel=1e-9)


def test_dice_and_hd95_on_known_shapes():
    a = np.zeros((5, 10, 10), bool)
    a[1:4, 2:6, 2:6] = True
    b = np.roll(a, 2, axis=2)
    assert dice(a, a) == 1.0 and hausdorff95(a, a, (1, 1, 1)) == 0.0
    assert dice(a, b) == pytest.approx(2 * 3 * 4 * 2 / (2 * 48))
    assert hausdorff95(a, b, (1, 1, 1)) == pytest.approx(2.0)
    assert hausdorff95(a, b, (1, 1, 3)) == pytest.approx(6.0)
    empty = np.zeros_like(a)
    assert dice(empty, empty) == 1.0 and hausdorff95(empty, empty, (1, 1, 1)) == 0.0
    assert dice(a, empty) == 0.0 and hausdorff95(a, empty, (1, 1, 1)) is None


def test_slice_rle_round_trips_and_agrees_with_pycocotools():
    from pycocotools import mask as coco

    rng = np.random.default_rng(1)
    for plane in (rng.random((7, 11)) > 0.5, np.ones((4, 3), bool), np.zeros((4, 3), bool)):
        encoded = encode_slice(plane)
        assert np.array_equal(decode_slice(encoded), plane)
        theirs = coco.encode(np.asfortranarray(plane.astype(np.uint8)))
        assert rle.runs(encoded) == rle.runs({"counts": theirs["counts"]})


def test_label_volume_and_per_structure_agreement():
    plane = np.zeros((6, 6), bool)
    plane[1:3, 1:4] = True
    regions_a = [{"label": "liver", "slice": 1, "rle": encode_slice(plane)},
                 {"label": "tumor", "slice": 2, "rle": encode_slice(plane)}]
    regions_b = [{"label": "liver", "slice": 1, "rle": encode_slice(plane)}]
    a = label_volume(regions_a, (3, 6, 6), ["liver", "tumor"])
    b = label_volume(regions_b, (3, 6, 6), ["liver", "tumor"])
    assert a[1].sum() == 6 and (a[2] == 2).sum() == 6
    liver, tumor = structure_agreement(a, b, ["liver", "tumor"], (2.5, 1, 1))
    assert (liver.dice, liver.hausdorff95_mm) == (1.0, 0.0)
    assert (tumor.dice, tumor.hausdorff95_mm, tumor.voxels_a, tumor.voxels_b) == (0.0, None, 6, 0)
