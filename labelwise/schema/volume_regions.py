"""Regions on a medical volume (a `dicom` object): which axial slice they sit on, and lengths in millimetres.

The object's value is `{"src", "width", "height", "slices", "spacing": [x, y, z]}`; a region's `slice`
is an axial slice index from 0 and its coordinates are pixels of that slice, so a mask, box or
measurement outside the volume is refused rather than kept.
"""

from __future__ import annotations

import math
from typing import Any

from labelwise.schema._checking import _Here, _is_count, _is_number


def check_slice(here: _Here, value: Any, index: Any, where: str) -> None:
    """Refuse a slice index that is not a whole number or past the volume's slices."""
    slices = value.get("slices") if isinstance(value, dict) else None
    if not _is_count(index):
        raise here.fail(f"slice must be a whole number from 0, not {index!r}", f"{where}.slice")
    if _is_count(slices) and index >= slices:
        raise here.fail(f"slice {index} is outside the volume (it has {slices} slices, 0 to {slices - 1})",
                        f"{where}.slice")


def volume_length_mm(value: Any, points: list) -> float | None:
    """Length of a polyline in mm on an axial slice, from the volume's in-plane spacing (None if unknown)."""
    spacing = value.get("spacing") if isinstance(value, dict) else None
    if not (isinstance(spacing, list) and len(spacing) == 3 and all(_is_number(v) and v > 0 for v in spacing)):
        return None
    total = 0.0
    for (x0, y0, *_), (x1, y1, *_) in zip(points, points[1:]):
        total += math.hypot((x1 - x0) * spacing[0], (y1 - y0) * spacing[1])
    return round(total, 3)
