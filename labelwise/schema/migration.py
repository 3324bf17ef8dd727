"""Label migrations: how stored answers follow a schema change, as pure functions on result dicts.

A migration is a list of steps, each naming controls and labels as the *old* schema has them:

- `{"op": "rename_label", "control", "from", "to"}`
- `{"op": "merge_labels", "control", "from": [...], "to"}`
- `{"op": "split_label", "control", "from", "to": [...]}`: nobody knows which new label an old answer
  meant, so the value is taken out and the answer is marked for relabeling;
- `{"op": "map_values", "control", "map": {old: new or null}}`: any value (option, label, rating, text);
  null takes the value out;
- `{"op": "drop_control", "control"}`: its answers are removed;
- `{"op": "rename_control", "from", "to"}`: applied after the steps above.

`broken_controls` says which controls of a (migrated) result the new schema would refuse.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from labelwise.errors import Invalid
from labelwise.schema.changes import control_labels
from labelwise.schema.specs import (
    ControlSpec,
    LabelSchema,
    RegionControl,
    RelationsControl,
    TaxonomyControl,
    TextControl,
)
from labelwise.schema.validation import validate_result

__all__ = ["OPS", "Migration", "Step", "broken_controls", "parse_migration", "used_labels"]

OPS = ("rename_label", "merge_labels", "split_label", "map_values", "drop_control", "rename_control")
_DROP = object()  # a mapping target: take the value out


@dataclass(frozen=True)
class Step:
    op: str
    control: str
    mapping: dict[str, Any] = field(default_factory=dict)  # old value -> new value (or _DROP)
    to: str | None = None  # rename_control: the new control name
    relabel: bool = False  # split_label: answers that used the label go back for relabeling
    source: dict[str, Any] = field(default_factory=dict)  # the step as the request gave it


@dataclass(frozen=True)
class Applied:
    result: dict[str, Any]
    changed: bool
    relabel: tuple[str, ...]  # controls whose values were taken out for relabeling


@dataclass(frozen=True)
class Migration:
    steps: tuple[Step, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.steps)

    @property
    def controls(self) -> set[str]:
        """Old control names the migration touches."""
        return {step.control for step in self.steps}

    def to_list(self) -> list[dict[str, Any]]:
        return [step.source for step in self.steps]

    def apply(self, old: LabelSchema, result: dict[str, Any] | None) -> Applied:
        """The result rewritten by every step, in order (control renames last)."""
        if not result or not self.steps:
            return Applied(result or {}, False, ())
        out = copy.deepcopy(result)
        relabel: list[str] = []
        for step in self.steps:
            if step.op == "rename_control" or step.control not in out:
                continue
            if step.op == "drop_control":
                del out[step.control]
                continue
            value, touched = _map_value(old.controls[step.control], out[step.control], step.mapping)
            if touched and step.relabel:
                relabel.append(step.control)
            if value is _DROP:
                del out[step.control]
            else:
                out[step.control] = value
        for step in self.steps:
            if step.op == "rename_control" and step.control in out:
                out[step.to] = out.pop(step.control)
        return Applied(out, out != result, tuple(relabel))


def parse_migration(raw: Any, old: LabelSchema, new: LabelSchema) -> Migration:
    """Check a migration against both schemas; every problem is an `Invalid` naming `migration[i]...`."""
    if raw is None:
        return Migration()
    if not isinstance(raw, list):
        raise Invalid("'migration' must be a list of steps such as {\"op\": \"rename_label\", ...}", field="migration")
    renamed = {s.get("from"): s.get("to") for s in raw if isinstance(s, dict) and s.get("op") == "rename_control"}
    return Migration(tuple(_parse_step(step, i, old, new, renamed) for i, step in enumerate(raw)))


def used_labels(control: ControlSpec, value: Any) -> set[str]:
    """The labels (options, region labels, taxonomy paths) an answer of `control` uses."""
    if value is None:
        return set()
    if isinstance(control, TaxonomyControl):
        return {" / ".join(path) for path in value if isinstance(path, list)} if isinstance(value, list) else set()
    if isinstance(control, (RegionControl, RelationsControl)):
        return {item["label"] for item in value if isinstance(item, dict) and isinstance(item.get("label"), str)} \
            if isinstance(value, list) else set()
    if control_labels(control):
        items = value if isinstance(value, list) else [value]
        return {item for item in items if isinstance(item, str)}
    return set()


def broken_controls(schema: LabelSchema, data: dict, result: dict[str, Any], controls: set[str] | None = None
                    ) -> dict[str, str]:
    """Control name -> why the new `schema` refuses that control's stored value, for the controls of
    `result` (all, or only those in `controls`). Requiredness is not checked: it binds new answers only."""
    broken: dict[str, str] = {}
    for name, value in result.items():
        if value is None or (controls is not None and name not in controls):
            continue
        if name not in schema.controls:
            broken[name] = f"control '{name}' is not in the schema"
            continue
        names = _with_dependencies(schema, name)
        sub = LabelSchema(objects=schema.objects, controls={
            n: schema.controls[n].model_copy(update={"required": False}) for n in names})
        try:
            validate_result(sub, data, {n: result[n] for n in names if n in result})
        except Invalid as exc:
            broken[name] = exc.message
    return broken


# --- parsing ----------------------------------------------------------------------------------------

def _parse_step(raw: Any, index: int, old: LabelSchema, new: LabelSchema, renamed: dict) -> Step:
    where = f"migration[{index}]"
    if not isinstance(raw, dict):
        raise Invalid(f"{where} must be an object with an 'op'", field=where)
    op = raw.get("op")
    if op not in OPS:
        raise Invalid(f"{where}: unknown op {op!r}; expected one of {', '.join(OPS)}", field=f"{where}.op")
    name = raw.get("from") if op == "rename_control" else raw.get("control")
    key = "from" if op == "rename_control" else "control"
    if not isinstance(name, str) or name not in old.controls:
        raise Invalid(f"{where}: {key} {name!r} is not a control of the current schema; its controls are: "
                      f"{', '.join(old.controls)}", field=f"{where}.{key}")
    control = old.controls[name]
    if op == "rename_control":
        to = raw.get("to")
        if not isinstance(to, str) or to not in new.controls or to in old.controls:
            raise Invalid(f"{where}: 'to' must name a new control of the new schema, not {to!r}", field=f"{where}.to")
        return Step(op, name, to=to, source=dict(raw))
    if op == "drop_control":
        if name in new.controls:
            raise Invalid(f"{where}: control '{name}' is still in the new schema; remove it there to drop it",
                          field=f"{where}.control")
        return Step(op, name, source=dict(raw))
    new_name = renamed.get(name, name)
    if new_name not in new.controls:
        raise Invalid(f"{where}: control '{name}' is not in the new schema; drop it (drop_control) or rename it "
                      "(rename_control) instead", field=f"{where}.control")
    old_labels, new_labels = set(control_labels(control)), set(control_labels(new.controls[new_name]))
    if op == "map_values":
        mapping = raw.get("map")
        if not isinstance(mapping, dict) or not mapping:
            raise Invalid(f"{where}: 'map' must be an object of old value to new value (or null)", field=f"{where}.map")
        return Step(op, name, {k: _DROP if v is None else v for k, v in mapping.items()}, source=dict(raw))
    sources = raw.get("from")
    targets = raw.get("to")
    if op == "merge_labels":
        if not isinstance(sources, list) or not sources:
            raise Invalid(f"{where}: 'from' must be a list of the labels to merge", field=f"{where}.from")
    else:
        sources = [sources]
    if op == "split_label":
        if not isinstance(targets, list) or not targets:
            raise Invalid(f"{where}: 'to' must be a list of the labels to split into", field=f"{where}.to")
    else:
        targets = [targets]
    for label in sources:
        if not isinstance(label, str) or label not in old_labels:
            raise Invalid(f"{where}: {label!r} is not a label of control '{name}'", field=f"{where}.from")
    for label in targets:
        if not isinstance(label, str) or label not in new_labels:
            raise Invalid(f"{where}: {label!r} is not a label of control '{new_name}' in the new schema",
                          field=f"{where}.to")
    if op == "split_label":
        return Step(op, name, {sources[0]: _DROP}, relabel=True, source=dict(raw))
    return Step(op, name, {label: targets[0] for label in sources}, source=dict(raw))


# --- rewriting --------------------------------------------------------------------------------------

def _map_value(control: ControlSpec, value: Any, mapping: dict[str, Any]) -> tuple[Any, bool]:
    """(new value or _DROP, whether anything matched)."""
    if isinstance(control, TaxonomyControl) and isinstance(value, list):
        return _map_list(value, lambda path: _map_path(path, mapping))
    if isinstance(control, (RegionControl, RelationsControl)) and isinstance(value, list):
        return _map_list(value, lambda region: _map_region(region, mapping))
    if isinstance(control, TextControl) and isinstance(value, dict):
        return value, False
    if isinstance(value, list):
        return _map_list(value, lambda item: _lookup(mapping, item))
    found = _lookup(mapping, value)
    return (found, True) if found is not _UNMATCHED else (value, False)


_UNMATCHED = object()


def _lookup(mapping: dict[str, Any], value: Any) -> Any:
    """The new value for a scalar answer; map keys are strings, so a rating of 5 is looked up as "5"."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return _UNMATCHED
    return mapping.get(str(value), _UNMATCHED)


def _map_list(items: list, one) -> tuple[Any, bool]:
    out, touched, seen = [], False, []
    for item in items:
        found = one(item)
        if found is _UNMATCHED:
            found = item
        else:
            touched = True
        if found is _DROP or found in seen:
            continue
        seen.append(found)
        out.append(found)
    if touched and not out:
        return _DROP, True
    return out, touched


def _map_path(path: Any, mapping: dict[str, Any]) -> Any:
    if not isinstance(path, list):
        return _UNMATCHED
    joined = " / ".join(str(step) for step in path)
    if joined in mapping:
        target = mapping[joined]
        return target if target is _DROP else [part.strip() for part in str(target).split(" / ")]
    steps = [mapping.get(step, step) if isinstance(step, str) else step for step in path]
    if _DROP in steps:
        return _DROP
    return steps if steps != path else _UNMATCHED


def _map_region(region: Any, mapping: dict[str, Any]) -> Any:
    if not isinstance(region, dict) or not isinstance(region.get("label"), str) or region["label"] not in mapping:
        return _UNMATCHED
    target = mapping[region["label"]]
    return target if target is _DROP else {**region, "label": target}


def _with_dependencies(schema: LabelSchema, name: str) -> list[str]:
    """The control and those its answers refer to (regions of relations and of per-region text)."""
    control = schema.controls[name]
    needed = [name]
    if isinstance(control, RelationsControl):
        needed += [n for n, c in schema.controls.items() if isinstance(c, RegionControl)
                   and (control.controls is None or n in control.controls)]
    elif isinstance(control, TextControl) and control.regions_of and control.regions_of in schema.controls:
        needed.append(control.regions_of)
    return needed
