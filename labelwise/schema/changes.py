"""What changed between two versions of a label schema (or of the guidelines), as readable lines.

`diff_schemas` lists every change per object and control, and says which controls' stored answers
may no longer be valid (`at_risk`): a removed control, a changed type or object, removed labels or
options, or any other changed option that shapes a result (limits, `multiple`, ...). Whether stored
answers really break is decided by checking them (`labelwise.schema.migration.broken_controls`);
adding labels, options or controls never puts anything at risk.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from labelwise.schema.specs import (
    ChoicesControl,
    ControlSpec,
    KeypointsControl,
    LabelSchema,
    RegionControl,
    RelationsControl,
    TaxonomyControl,
    TaxonomyNode,
)

__all__ = ["SchemaDiff", "control_labels", "diff_schemas", "guidelines_diff"]

# Options that change how a control looks or is asked, never whether a stored answer is valid.
_LOOKS = {"description", "colors", "hotkeys", "required"}
# Compared on their own (labels added or removed), or not at all (the type is the class).
_VOCABULARY = {"type", "labels", "options", "points"}


@dataclass(frozen=True)
class SchemaDiff:
    lines: tuple[str, ...]
    at_risk: frozenset[str]  # old control names whose stored answers may now be invalid
    removed_controls: tuple[str, ...] = ()
    added_controls: tuple[str, ...] = ()
    removed_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    added_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.lines)


def control_labels(control: ControlSpec) -> tuple[str, ...]:
    """The vocabulary a control's answers use: options, region labels, keypoint names, taxonomy paths."""
    if isinstance(control, ChoicesControl):
        return control.options
    if isinstance(control, TaxonomyControl):
        return tuple(" / ".join(path) for path in _taxonomy_paths(control.options, ()))
    if isinstance(control, (RegionControl, RelationsControl)):
        return tuple(control.labels or ())
    return ()


def diff_schemas(old: LabelSchema, new: LabelSchema) -> SchemaDiff:
    lines: list[str] = []
    at_risk: set[str] = set()
    changed_objects = set()
    for name in old.objects:
        if name not in new.objects:
            lines.append(f"- object '{name}' ({old.objects[name].type})")
            changed_objects.add(name)
        elif old.objects[name] != new.objects[name]:
            before_object, after_object = old.objects[name], new.objects[name]
            lines.append(f"~ object '{name}': {_spec_changes(before_object, after_object, set(after_object.model_fields))}")
            changed_objects.add(name)
    lines += [f"+ object '{name}' ({new.objects[name].type})" for name in new.objects if name not in old.objects]

    removed = tuple(name for name in old.controls if name not in new.controls)
    added = tuple(name for name in new.controls if name not in old.controls)
    lines += [f"- control '{name}' ({old.controls[name].type})" for name in removed]
    lines += [f"+ control '{name}' ({new.controls[name].type})" for name in added]
    at_risk.update(removed)
    removed_labels: dict[str, tuple[str, ...]] = {}
    added_labels: dict[str, tuple[str, ...]] = {}
    for name in old.controls:
        if name not in new.controls:
            continue
        before, after = old.controls[name], new.controls[name]
        if before.type != after.type:
            lines.append(f"~ control '{name}': type {before.type} -> {after.type}")
            at_risk.add(name)
            continue
        old_labels, new_labels = control_labels(before), control_labels(after)
        gone = tuple(label for label in old_labels if label not in new_labels)
        came = tuple(label for label in new_labels if label not in old_labels)
        if gone:
            removed_labels[name] = gone
            at_risk.add(name)
            lines.append(f"- {_what(before, len(gone))} {_quoted(gone)} of control '{name}'")
        if came:
            added_labels[name] = came
            lines.append(f"+ {_what(after, len(came))} {_quoted(came)} of control '{name}'")
        if isinstance(before, KeypointsControl) and before.points != after.points:
            at_risk.add(name)
            lines.append(f"~ control '{name}': points {list(before.points)} -> {list(after.points)}")
        if not gone and not came and old_labels != new_labels:
            lines.append(f"~ control '{name}': order of {_what(after, 2)} changed")
        if getattr(before, "object", None) in changed_objects:
            at_risk.add(name)
        shaping = _spec_changes(before, after, set(type(after).model_fields) - _LOOKS - _VOCABULARY)
        if shaping:
            at_risk.add(name)
            lines.append(f"~ control '{name}': {shaping}")
        looks = _spec_changes(before, after, _LOOKS)
        if looks:
            lines.append(f"~ control '{name}': {looks}")
    if not removed and not added and list(new.controls) != list(old.controls):
        lines.append("~ order of controls changed")
    return SchemaDiff(tuple(lines), frozenset(at_risk), removed, added, removed_labels, added_labels)


def guidelines_diff(old: str, new: str) -> list[str]:
    """A unified diff of two texts, without the file header lines."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1))
    return lines[2:]


def _spec_changes(before, after, keys: set[str]) -> str:
    parts = []
    for key in type(after).model_fields:
        if key not in keys:
            continue
        a, b = getattr(before, key, None), getattr(after, key, None)
        if a != b:
            parts.append(f"{key} {_show(a)} -> {_show(b)}")
    return ", ".join(parts)


def _show(value) -> str:
    if isinstance(value, tuple):
        return str(list(value))
    if isinstance(value, dict):
        return str(dict(value))
    return "unset" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _what(control: ControlSpec, count: int) -> str:
    word = "option" if isinstance(control, ChoicesControl) else "path" if isinstance(control, TaxonomyControl) \
        else "label"
    return word if count == 1 else f"{word}s"


def _quoted(labels: tuple[str, ...]) -> str:
    return ", ".join(f"'{label}'" for label in labels)


def _taxonomy_paths(nodes: tuple[TaxonomyNode, ...], prefix: tuple[str, ...]):
    for node in nodes:
        path = (*prefix, node.value)
        yield path
        yield from _taxonomy_paths(node.children, path)
