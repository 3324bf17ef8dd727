"""What consensus, gold and the quality report read alike from answers and controls: an answer's
canonical form, the options of a choice control, and the single-choice control a skill model fits on."""

from __future__ import annotations

import json
from typing import Any

from labelwise.errors import Invalid
from labelwise.schema import ChoicesControl, LabelSchema, PairwiseControl, message_keyed

__all__ = ["canonical", "choice_options", "single_choice_control"]


def canonical(value: Any) -> str:
    """JSON text of a value with region ids dropped, so equal answers with different ids compare equal."""
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k != "id"}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    return json.dumps(strip(value), sort_keys=True)


def choice_options(control) -> tuple:
    """The options of a choices or pairwise control, in order (pairwise: a, b and, if allowed, tie)."""
    if isinstance(control, PairwiseControl):
        return ("a", "b", "tie") if control.allow_tie else ("a", "b")
    return tuple(control.options)


def single_choice_control(schema: LabelSchema, control: str | None) -> str:
    """The named single-choice control, checked, or else the first required one, or else the first one."""
    candidates = [n for n, c in schema.controls.items()
                  if isinstance(c, (ChoicesControl, PairwiseControl)) and not getattr(c, "multiple", False)
                  and not message_keyed(schema, c)
                  and not getattr(c, "per_region", False) and getattr(c, "options_field", None) is None]
    if control is not None:
        if control not in schema.controls:
            raise Invalid(f"unknown control '{control}'; the schema's controls are: {', '.join(schema.controls)}",
                          field="control")
        if control not in candidates:
            raise Invalid(f"control '{control}' is not a single-choice control; Dawid–Skene needs one",
                          field="control")
        return control
    if not candidates:
        raise Invalid("this project has no single-choice control to estimate skills from", field="control")
    required = [n for n in candidates if schema.controls[n].required]
    return (required or candidates)[0]
