"""What the result checks share: where in the result a value sits, and the small typed readers.

`validation` (one answer per control) and `regions` (lists of regions) both build on these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from labelwise.errors import Invalid
from labelwise.schema.dynamic import object_value
from labelwise.schema.specs import ControlSpec, LabelSchema

# --- context -----------------------------------------------------------------------------------------

@dataclass
class _Context:
    schema: LabelSchema
    data: dict
    region_owner: dict[str, str] = field(default_factory=dict)  # region id -> control name
    out_of_range: list[str] | None = None  # when a list: values past the media's bounds are kept and noted here


@dataclass(frozen=True)
class _Here:
    """The control being checked and where its value sits in the result."""

    name: str
    control: ControlSpec
    path: str
    ctx: _Context

    def fail(self, message: str, path: str | None = None) -> Invalid:
        return Invalid(f"control '{self.name}': {message}", field=path or self.path)

    def beyond(self, message: str, path: str) -> None:
        """A value outside the media's bounds (a segment at -0.05 s): refused, or kept and noted when the
        caller collects `out_of_range` (imports of real data from other tools)."""
        if self.ctx.out_of_range is None:
            raise self.fail(message, path)
        self.ctx.out_of_range.append(f"{path}: control '{self.name}': {message}")

    def object_value(self) -> Any:
        return object_value(self.ctx.schema.objects[self.control.object], self.ctx.data)


# --- generic helpers ---------------------------------------------------------------------------------

def _list(here: _Here, value: Any, expected: str) -> list:
    if not isinstance(value, list):
        raise here.fail(f"expects {expected}, not {_kind(value)}")
    return value


def _mapping(here: _Here, value: Any, path: str, what: str, *, required: tuple, optional: tuple) -> dict:
    if not isinstance(value, dict):
        raise here.fail(f"{what} must be an object, not {_kind(value)}", path)
    for key in value:
        if key not in required and key not in optional:
            raise here.fail(
                f"{what} has unknown key '{key}'; expected: {', '.join((*required, *optional))}",
                f"{path}.{key}",
            )
    for key in required:
        if key not in value:
            raise here.fail(f"{what} has no '{key}'", f"{path}.{key}")
    return value


def _option(here: _Here, value: Any, options: tuple[str, ...], path: str, *, what: str = "choice") -> str:
    if not isinstance(value, str) or value not in options:
        raise here.fail(f"unknown {what} {value!r}; expected one of: {', '.join(options)}", path)
    return value


def _count(here: _Here, count: int, low: int | None, high: int | None, what: str) -> None:
    if low is not None and count < low and count:
        raise here.fail(f"needs at least {low} {what}, got {count}")
    if high is not None and count > high:
        raise here.fail(f"allows at most {high} {what}, got {count}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), f"{type(value).__name__} {value!r}"
    )
