"""What a control offers and whether it is shown can depend on the task: options and labels listed in
the task data (`options_field`, `labels_field`), fixed text objects (`literal`), and conditions on other
answers (`visible_when`). Validation, consensus and the formats read them through these functions."""

from __future__ import annotations

from typing import Any, Mapping

from labelwise.schema.specs import ChoicesControl, ControlSpec, ObjectSpec, RegionControl

__all__ = ["object_value", "options_for", "labels_for", "data_values", "is_shown", "answer_values"]


def object_value(spec: ObjectSpec, data: Mapping[str, Any]) -> Any:
    """What an object shows on a task: its fixed `literal` text, else the task data under its field."""
    literal = getattr(spec, "literal", None)
    return literal if literal is not None else data.get(spec.field)


def data_values(data: Mapping[str, Any], field: str | None) -> tuple[str, ...]:
    """The values listed in the task data under `field`: strings, or objects with a `value` (Label Studio's form)."""
    if field is None:
        return ()
    raw = data.get(field)
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw:
        value = item.get("value") if isinstance(item, Mapping) else item
        if isinstance(value, str) and value and value not in out:
            out.append(value)
    return tuple(out)


def options_for(control: ChoicesControl, data: Mapping[str, Any]) -> tuple[str, ...]:
    """The schema's options followed by those this task's data adds."""
    extra = data_values(data, control.options_field)
    return tuple(control.options) + tuple(v for v in extra if v not in control.options)


def labels_for(control: RegionControl, data: Mapping[str, Any]) -> tuple[str, ...]:
    """The schema's labels followed by those this task's data adds."""
    extra = data_values(data, control.labels_field)
    return tuple(control.labels) + tuple(v for v in extra if v not in control.labels)


def answer_values(value: Any) -> set[str]:
    """The option names or region labels an answer holds (for `visible_when.values`)."""
    if isinstance(value, str):
        return {value}
    out: set[str] = set()
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                out.add(item)
            elif isinstance(item, list):  # a taxonomy path
                out.update(step for step in item if isinstance(step, str))
            elif isinstance(item, Mapping) and isinstance(item.get("label"), str):
                out.add(item["label"])
    elif isinstance(value, Mapping):  # a per-region answer
        for inner in value.values():
            out |= answer_values(inner)
    return out


def is_shown(control: ControlSpec, result: Mapping[str, Any]) -> bool:
    """Whether `control` is shown for this result (always, unless its `visible_when` does not hold)."""
    condition = control.visible_when
    if condition is None:
        return True
    answer = result.get(condition.control)
    if answer is None or answer == [] or answer == {} or answer == "":
        return False
    return condition.values is None or bool(answer_values(answer) & set(condition.values))
