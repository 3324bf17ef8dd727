"""3D label volumes from per-slice masks, and agreement on them: Dice and the 95th-percentile Hausdorff distance.

A `dicom` object's masks are stored one label on one axial slice, each a COCO run-length encoding
(column-major, starting with background) of that slice. `label_volume` paints them into a
`[z, y, x]` volume of label indices. Per structure, Dice is 2|A∩B| / (|A| + |B|) and HD95 is the
larger of the two directed 95th percentiles of distances (in mm, anisotropic spacing) from one
surface's voxels to the other surface, as MONAI's `compute_hausdorff_distance(percentile=95)`;
distances come from scipy's exact Euclidean distance transform (Maurer et al., 2003).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from labelwise.schema import rle

__all__ = ["StructureAgreement", "decode_slice", "dice", "encode_slice", "hausdorff95", "label_volume",
           "structure_agreement"]


@dataclass(frozen=True)
class StructureAgreement:
    label: str
    dice: float
    hausdorff95_mm: float | None  # None when exactly one side is empty (the distance is infinite)
    voxels_a: int
    voxels_b: int


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


def dice(a: np.ndarray, b: np.ndarray) -> float:
    """Dice coefficient of two boolean volumes; 1.0 when both are empty."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    total = int(a.sum()) + int(b.sum())
    return 1.0 if total == 0 else 2.0 * int(np.logical_and(a, b).sum()) / total


def hausdorff95(a: np.ndarray, b: np.ndarray, spacing: Sequence[float]) -> float | None:
    """95th-percentile symmetric Hausdorff distance in mm between two boolean volumes `[z, y, x]`.

    `spacing` is the voxel size along (z, y, x). 0.0 when both are empty, None when only one is.
    """
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    if not a.any() and not b.any():
        return 0.0
    if not a.any() or not b.any():
        return None
    surface_a, surface_b = _surface(a), _surface(b)
    to_b = ndimage.distance_transform_edt(~surface_b, sampling=spacing)
    to_a = ndimage.distance_transform_edt(~surface_a, sampling=spacing)
    return float(max(np.percentile(to_b[surface_a], 95), np.percentile(to_a[surface_b], 95)))


def structure_agreement(a: np.ndarray, b: np.ndarray, labels: Sequence[str],
                        spacing: Sequence[float]) -> list[StructureAgreement]:
    """Dice and HD95 per structure between two label volumes from `label_volume` (same `labels`)."""
    out = []
    for number, label in enumerate(labels, start=1):
        mask_a, mask_b = a == number, b == number
        out.append(StructureAgreement(label, dice(mask_a, mask_b), hausdorff95(mask_a, mask_b, spacing),
                                      int(mask_a.sum()), int(mask_b.sum())))
    return out


def _surface(mask: np.ndarray) -> np.ndarray:
    """Voxels of the mask with a face neighbour outside it (the volume's edge counts as outside)."""
    eroded = ndimage.binary_erosion(mask, structure=ndimage.generate_binary_structure(mask.ndim, 1),
                                    border_value=0)
    return mask & ~eroded
