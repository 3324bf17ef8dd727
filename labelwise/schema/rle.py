"""COCO run-length encoding in pure Python: decode the compressed `counts` string, area and bounding box.

Runs go down columns (Fortran order) and start with background, as pycocotools writes them. The
string form stores each run as 5-bit groups offset by 48 ('0'), with runs after the second stored
as the difference from the run two before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def runs(rle: Mapping[str, Any]) -> list[int]:
    """Run lengths of an RLE whose `counts` is a list of ints or the compressed string."""
    counts = rle["counts"]
    if isinstance(counts, list):
        return [int(c) for c in counts]
    if isinstance(counts, bytes):
        counts = counts.decode("ascii")
    return decode(counts)


def encode(values: list[int]) -> str:
    """The compressed string for a list of run lengths (the inverse of `runs`)."""
    out = []
    for index, run in enumerate(values):
        x = run - values[index - 2] if index > 2 else run
        more = True
        while more:
            chunk = x & 0x1F
            x >>= 5
            # Stop once the rest is pure sign extension of the chunk's top bit.
            more = not ((x == 0 and not chunk & 0x10) or (x == -1 and chunk & 0x10))
            out.append(chr(48 + (chunk | (0x20 if more else 0))))
    return "".join(out)


def area(rle: Mapping[str, Any]) -> int:
    return sum(runs(rle)[1::2])


def bbox(rle: Mapping[str, Any]) -> list[int]:
    """[x, y, width, height] around the foreground pixels, as pycocotools `toBbox` gives; zeros if empty."""
    height = int(rle["size"][0])
    x0 = y0 = None
    x1 = y1 = -1
    position = 0
    for index, run in enumerate(runs(rle)):
        start, position = position, position + run
        if index % 2 == 0 or run == 0:
            continue
        first_col, last_col = start // height, (position - 1) // height
        if first_col == last_col:
            top, bottom = start % height, (position - 1) % height
        else:
            top, bottom = 0, height - 1
        x0 = first_col if x0 is None else min(x0, first_col)
        y0 = top if y0 is None else min(y0, top)
        x1, y1 = max(x1, last_col), max(y1, bottom)
    if x0 is None:
        return [0, 0, 0, 0]
    return [x0, y0, x1 - x0 + 1, y1 - y0 + 1]


def decode(text: str) -> list[int]:
    """Run lengths from the compressed `counts` string; ValueError says what is wrong with it."""
    values: list[int] = []
    position = 0
    while position < len(text):
        x = shift = 0
        more = True
        while more:
            if position >= len(text):
                raise ValueError("RLE counts string ends in the middle of a number")
            chunk = ord(text[position]) - 48
            if not 0 <= chunk < 64:
                raise ValueError(f"RLE counts string has an invalid character {text[position]!r}")
            x |= (chunk & 0x1F) << shift
            more = bool(chunk & 0x20)
            position += 1
            shift += 5
            if not more and chunk & 0x10:
                x -= 1 << shift
        if len(values) > 2:
            x += values[-2]
        values.append(x)
    return values
