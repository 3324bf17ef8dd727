"""Masks on a medical volume, slice by slice: a `dicom` object's masks are stored one label on one axial slice,
each a COCO run-length encoding (column-major, starting with background) of that slice; `label_volume`
paints them into a `[z, y, x]` volume of label indices for exports and agreement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from labelwise.schema import rle

__all__ = ["decode_slice", "encode_slice", "label_volume"]


def encode_slice(plane: np.ndarray) -> dict:
    """COCO RLE `{"size": [height, width], "counts": str}` of a 2D boolean mask."""
    flat = np.asarray(plane, dtype=bool).ravel(order="F")
    changes = np.flatnonzero(np.diff(flat.astype(np.int8))) + 1
    bounds = np.concatenate([[0], changes, [flat.size]])
    runs = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        runs = [0, *runs]
    return {"size": [int(plane.shape[0]), int(plane.shape[1])], "counts": rle.encode([int(r) for r in runs])}


def decode_slice(encoded: Mapping) -> np.ndarray:
    """The 2D boolean mask of a COCO RLE (string or list counts)."""
    height, width = (int(n) for n in encoded["size"])
    runs = np.asarray(rle.runs(encoded), dtype=np.int64)
    values = np.zeros(len(runs), dtype=bool)
    values[1::2] = True
    flat = np.repeat(values, runs)
    if flat.size != height * width:
        raise ValueError(f"the runs add up to {flat.size} pixels, not {height}x{width}")
    return flat.reshape((height, width), order="F")


def label_volume(regions: Iterable[Mapping], shape: Sequence[int], labels: Sequence[str]) -> np.ndarray:
    """`uint8`/`uint16` volume `[z, y, x]` with 1 + the index in `labels` of each voxel's label, 0 for none.

    Regions are masks `{"label", "slice", "rle"}`; a later region wins where two overlap.
    """
    index = {label: number + 1 for number, label in enumerate(labels)}
    volume = np.zeros(tuple(shape), dtype=np.uint8 if len(labels) < 255 else np.uint16)
    for region in regions:
        plane = decode_slice(region["rle"])
        volume[int(region["slice"])][plane] = index[region["label"]]
    return volume
