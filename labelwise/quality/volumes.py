"""3D label volumes from per-slice masks, and agreement on them: Dice and the 95th-percentile Hausdorff distance.

Label volumes come from `schema.volume_masks.label_volume` (re-exported here). Per structure, Dice is 2|A∩B| / (|A| + |B|) and HD95 is the
larger of the two directed 95th percentiles of distances (in mm, anisotropic spacing) from one
surface's voxels to the other surface, as MONAI's `compute_hausdorff_distance(percentile=95)`;
distances come from scipy's exact Euclidean distance transform (Maurer et al., 2003).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from labelwise.schema.volume_masks import decode_slice, encode_slice, label_volume

__all__ = ["StructureAgreement", "decode_slice", "dice", "encode_slice", "hausdorff95", "label_volume",
           "structure_agreement"]


@dataclass(frozen=True)
class StructureAgreement:
    label: str
    dice: float
    hausdorff95_mm: float | None  # None when exactly one side is empty (the distance is infinite)
    voxels_a: int
    voxels_b: int


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
