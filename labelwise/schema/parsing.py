# Over 400 lines: one short cross-check per rule a schema must meet, kept together in the order they run.
"""Parse a label schema given as YAML, JSON or a dict into its specs, or fail with `Invalid` naming the field.

Loading refuses duplicate keys; each spec is validated by its pydantic model, then cross-checked against
the others (object references, names, colors, hotkeys, counts, skeletons, relations, numbers).
"""

from __future__ import annotations

import json
import math
import re
from types import MappingProxyType
from typing import Any, Mapping

import yaml
from pydantic import ValidationError

from labelwise.errors import Invalid
from labelwise.schema import datetimes
from labelwise.schema.safe_yaml import NoAliasLoader
from labelwise.schema.specs import (
    CONTROL_CLASSES,
    OBJECT_CLASSES,
    ChoicesControl,
    ControlSpec,
    DatetimeControl,
    EditControl,
    KeypointsControl,
    MessageScoped,
    LabelSchema,
    PerRegionMixin,
    RankingControl,
    NumberControl,
    ObjectControl,
    ObjectSpec,
    PairwiseControl,
    RatingControl,
    RegionControl,
    RelationsControl,
    Spec,
    TaxonomyControl,
    TaxonomyNode,
)

__all__ = ["parse_schema"]


def parse_schema(source: str | bytes | Mapping[str, Any]) -> LabelSchema:
    """Parse a schema given as YAML text, JSON text or a dict; raise `Invalid` naming the bad field."""
    raw = _load(source)
    unknown = [key for key in raw if key not in ("objects", "controls")]
    if unknown:
        raise Invalid(
            f"the schema has an unknown key '{unknown[0]}'; expected objects and controls",
            field=str(unknown[0]),
        )
    objects_raw = _section(raw, "objects")
    controls_raw = _section(raw, "controls")
    objects = {name: _parse_object(name, spec) for name, spec in objects_raw.items()}
    controls = {name: _parse_control(name, spec) for name, spec in controls_raw.items()}
    for name, control in controls.items():
        _check_control(name, control, objects, controls)
    return LabelSchema(objects=MappingProxyType(objects), controls=MappingProxyType(controls))

# Names people reach for that are spelled differently here; the error says which one to use.
_TYPE_HINTS = {
    "choice": "choices",
    "labels": "spans",
    "rotated_boxes": "boxes with rotatable: true",
    "rectangles": "boxes",
    "brush": "masks",
    "textarea": "text",
    "video_tracks": "tracks",
    "time_series": "timeseries",
    "rich_text": "paragraphs",
    "dialogue": "paragraphs",
    "cuboid": "cuboids",
    "bbox3d": "cuboids",
    "cuboids3d": "cuboids",
    "point_cloud": "pointcloud",
    "lidar": "pointcloud",
}

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$|^[a-zA-Z]+$")
_HOTKEY = re.compile(r"^(?:(?:ctrl|alt|shift|meta)\+)*[^\s+]$|^(?:(?:ctrl|alt|shift|meta)\+)*[a-z0-9]+$")


# --- loading -----------------------------------------------------------------------------------------

def _load(source: str | bytes | Mapping[str, Any]) -> dict:
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Invalid(f"the schema is not UTF-8 text (bad byte at position {exc.start})") from None
    if not isinstance(source, str):
        raise Invalid(f"a schema must be YAML or JSON text or a dict, not {type(source).__name__}")
    text = source.lstrip()
    if not text:
        raise Invalid("the schema is empty; it needs 'objects' and 'controls'")
    data = _load_json(source) if text[0] in "{[" else _load_yaml(source)
    if not isinstance(data, dict):
        raise Invalid("the schema must be a mapping with 'objects' and 'controls'")
    return data


def _load_json(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_pairs)
    except json.JSONDecodeError as json_error:
        try:  # YAML flow style (`{objects: ...}`) also starts with a brace
            return _load_yaml(text)
        except Invalid:
            raise Invalid(
                f"invalid JSON at line {json_error.lineno}, column {json_error.colno}: {json_error.msg}",
                line=json_error.lineno,
            ) from None


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise Invalid(f"invalid JSON: key '{key}' appears twice in the same object", field=key)
        out[key] = value
    return out


class _StrictLoader(NoAliasLoader):
    """Safe loader without anchors and aliases that also rejects duplicate keys, which plain YAML silently
    resolves to the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise Invalid(f"invalid YAML at line {line}: key '{key}' appears twice", field=str(key), line=line)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is None:
            raise Invalid(f"invalid YAML: {problem}") from None
        line = mark.line + 1
        raise Invalid(f"invalid YAML at line {line}, column {mark.column + 1}: {problem}", line=line) from None


# --- parsing -----------------------------------------------------------------------------------------

def _section(raw: dict, key: str) -> dict:
    value = raw.get(key)
    if value is None:
        raise Invalid(f"the schema has no '{key}'; it needs at least one", field=key)
    if not isinstance(value, dict):
        raise Invalid(f"'{key}' must be a mapping of names to specs, not {_kind(value)}", field=key)
    if not value:
        raise Invalid(f"'{key}' is empty; the schema needs at least one", field=key)
    for name in value:
        if not isinstance(name, str) or not _NAME.match(name):
            raise Invalid(
                f"{key[:-1]} name {name!r} is not valid; use letters, digits, '_' or '-', starting with a letter",
                field=f"{key}.{name}",
            )
    return value


def _parse_object(name: str, raw: Any) -> ObjectSpec:
    owner, path = f"object '{name}'", f"objects.{name}"
    raw = _typed_mapping(raw, owner, path)
    cls = _pick_class(raw, OBJECT_CLASSES, owner, path)
    return _validate(cls, {"field": name, **raw}, owner, path)


def _parse_control(name: str, raw: Any) -> ControlSpec:
    owner, path = f"control '{name}'", f"controls.{name}"
    raw = _typed_mapping(raw, owner, path)
    cls = _pick_class(raw, CONTROL_CLASSES, owner, path)
    if cls is TaxonomyControl and "options" in raw:
        raw = {**raw, "options": _taxonomy_nodes(raw["options"], owner, f"{path}.options")}
    return _validate(cls, raw, owner, path)


def _typed_mapping(raw: Any, owner: str, path: str) -> dict:
    if not isinstance(raw, dict):
        raise Invalid(f"{owner} must be a mapping with a 'type', not {_kind(raw)}", field=path)
    if "type" not in raw:
        raise Invalid(f"{owner} has no 'type'", field=f"{path}.type")
    return raw


def _pick_class(raw: dict, classes: dict[str, type], owner: str, path: str) -> type:
    kind = raw["type"]
    if isinstance(kind, str) and kind in classes:
        return classes[kind]
    hint = f" (did you mean {_TYPE_HINTS[kind]}?)" if isinstance(kind, str) and kind in _TYPE_HINTS else ""
    raise Invalid(f"{owner}: unknown type {kind!r}{hint}; expected one of: {', '.join(classes)}", field=f"{path}.type")


def _validate(cls: type[Spec], raw: dict, owner: str, path: str) -> Any:
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        raise _invalid_from(exc, cls, owner, path) from None


def _invalid_from(exc: ValidationError, cls: type[Spec], owner: str, path: str) -> Invalid:
    errors = exc.errors()
    # A typo'd option shows up as both "unknown" and "missing"; the unknown one says what happened.
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = error["loc"]
    field = path + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    option = loc[0] if loc else "?"
    if error["type"] == "extra_forbidden":
        allowed = ", ".join(name for name in cls.model_fields if name != "type")
        return Invalid(f"{owner}: unknown option '{option}'; expected one of: {allowed}", field=field)
    if error["type"] == "missing" and len(loc) == 1:
        return Invalid(f"{owner}: missing option '{option}'", field=field)
    if error["type"] == "missing":
        return Invalid(f"{owner}: option '{option}': a value is missing at {field}", field=field)
    if error["type"] == "too_short" and len(loc) == 1:
        return Invalid(f"{owner}: '{option}' must not be empty", field=field)
    message = error["msg"][0].lower() + error["msg"][1:]
    if isinstance(error.get("input"), bool) and error["type"] == "string_type":
        message += " (YAML reads yes/no/on/off/true/false as booleans; quote the value)"
    elif isinstance(error.get("input"), (int, float)) and error["type"] == "string_type":
        message += " (quote numbers used as names)"
    return Invalid(f"{owner}: option '{option}': {message} (got {error.get('input')!r})", field=field)


def _taxonomy_nodes(raw: Any, owner: str, path: str) -> list[TaxonomyNode]:
    """Read the friendly tree form: each node a name (a leaf) or `{name: [children]}`."""
    if not isinstance(raw, list):
        raise Invalid(f"{owner}: 'options' must be a list of nodes, not {_kind(raw)}", field=path)
    nodes = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        here = f"{path}[{index}]"
        if isinstance(item, TaxonomyNode):
            node = item
        elif isinstance(item, str) and item:
            node = TaxonomyNode(value=item)
        elif isinstance(item, dict) and len(item) == 1:
            [(value, children)] = item.items()
            if not isinstance(value, str) or not value:
                raise Invalid(f"{owner}: taxonomy node names must be non-empty text, not {value!r}", field=here)
            kids = _taxonomy_nodes(children, owner, f"{here}.{value}") if children is not None else []
            node = TaxonomyNode(value=value, children=tuple(kids))
        else:
            raise Invalid(
                f"{owner}: taxonomy node {index} must be a name or a one-key mapping {{name: [children]}}, "
                f"not {item!r}",
                field=here,
            )
        if node.value in seen:
            raise Invalid(f"{owner}: taxonomy option '{node.value}' appears twice under the same parent", field=here)
        seen.add(node.value)
        nodes.append(node)
    return nodes


# --- cross-checks ------------------------------------------------------------------------------------

def _check_control(name: str, spec: ControlSpec, objects: dict, controls: dict) -> None:
    owner, path = f"control '{name}'", f"controls.{name}"
    if isinstance(spec, ObjectControl):
        _check_object_ref(owner, f"{path}.object", spec, spec.object, objects)
    if not isinstance(spec, TaxonomyControl):
        key = "options" if isinstance(spec, ChoicesControl) else "labels"
        names = getattr(spec, key, None) or ()
        _check_unique(names, owner, f"{path}.{key}", what="label" if key == "labels" else "choice")
        _check_name_map(getattr(spec, "colors", None), names, owner, f"{path}.colors", _COLOR, "color")
        _check_name_map(getattr(spec, "hotkeys", None), names, owner, f"{path}.hotkeys", _HOTKEY, "hotkey")
    _check_counts(spec, owner, path)
    _check_options_given(spec, owner, path)
    if isinstance(spec, PerRegionMixin):
        _check_per_region(spec, controls, owner, path)
    if spec.visible_when is not None:
        _check_visible_when(name, spec, controls, owner, path)
    if isinstance(spec, RankingControl):
        _check_buckets(spec, owner, path)
        if spec.buckets and objects[spec.object].type == "chat":
            raise Invalid(f"{owner}: buckets sort a paragraphs object's items; on a chat, ranking orders each "
                          "turn's alternatives", field=f"{path}.buckets")
    if isinstance(spec, DatetimeControl):
        for key in ("min", "max"):
            value = getattr(spec, key)
            if value is not None and not datetimes.is_valid(spec.format, value):
                raise Invalid(f"{owner}: '{key}' {value!r} is not a {spec.format} like "
                              f"{datetimes.EXAMPLES[spec.format]}", field=f"{path}.{key}")
    if isinstance(spec, KeypointsControl):
        _check_skeleton(spec, owner, path)
    elif isinstance(spec, RelationsControl):
        _check_relations(name, spec, controls, owner, path)
    elif isinstance(spec, NumberControl):
        _check_number(spec, owner, path)
    elif isinstance(spec, PairwiseControl):
        _check_pairwise(spec, objects, owner, path)
    if isinstance(spec, (MessageScoped, EditControl)):
        _check_message_scope(spec, objects, owner, path)


def _check_pairwise(spec: PairwiseControl, objects: dict, owner: str, path: str) -> None:
    if (spec.object is None) == (spec.objects is None):
        raise Invalid(f"{owner}: name two objects to compare ('objects') or one chat whose alternatives it compares "
                      "('object'), not both", field=f"{path}.objects")
    if spec.object is not None:
        _check_object_ref(owner, f"{path}.object", spec, spec.object, objects)
        if objects[spec.object].type != "chat":
            raise Invalid(f"{owner}: 'object' must be a chat (its turns' alternatives are compared); "
                          f"'{spec.object}' is {objects[spec.object].type}; use 'objects' for two objects",
                          field=f"{path}.object")
        return
    if spec.objects[0] == spec.objects[1]:
        raise Invalid(f"{owner}: compares an object with itself; name two objects", field=f"{path}.objects")
    for index, obj in enumerate(spec.objects):
        _check_object_ref(owner, f"{path}.objects[{index}]", spec, obj, objects)


def _check_message_scope(spec: ControlSpec, objects: dict, owner: str, path: str) -> None:
    on_chat = objects[spec.object].type == "chat"
    per_message = isinstance(spec, EditControl) or spec.per_message
    if per_message and not on_chat:
        raise Invalid(f"{owner}: per_message needs a chat object; '{spec.object}' is {objects[spec.object].type}",
                      field=f"{path}.per_message")
    if not per_message and spec.roles is not None:
        raise Invalid(f"{owner}: 'roles' picks the messages of a per_message control; set per_message: true",
                      field=f"{path}.roles")
    if spec.roles is not None:
        if not spec.roles:
            raise Invalid(f"{owner}: 'roles' must not be empty", field=f"{path}.roles")
        _check_unique(spec.roles, owner, f"{path}.roles", what="role")
    if isinstance(spec, PerRegionMixin) and spec.per_message and spec.per_region:
        raise Invalid(f"{owner}: a {spec.type} is per_message or per_region, not both", field=f"{path}.per_region")
    if getattr(spec, "per_page", False):
        if objects[spec.object].type != "pdf":
            raise Invalid(f"{owner}: per_page needs a pdf object; '{spec.object}' is {objects[spec.object].type}",
                          field=f"{path}.per_page")
        if spec.per_message or spec.per_region:
            raise Invalid(f"{owner}: a {spec.type} is per_page, per_message or per_region, only one",
                          field=f"{path}.per_page")


def _check_object_ref(owner: str, path: str, spec: ControlSpec, name: str, objects: dict) -> None:
    if name not in objects:
        raise Invalid(f"{owner}: object '{name}' does not exist; objects are: {', '.join(objects)}", field=path)
    allowed = spec.object_types
    if allowed is not None and objects[name].type not in allowed:
        raise Invalid(
            f"{owner}: {spec.type} cannot apply to {objects[name].type} object '{name}'; "
            f"it needs an object of type {_or_list(allowed)}",
            field=path,
        )


def _check_unique(names: tuple[str, ...], owner: str, path: str, *, what: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(names):
        if value in seen:
            raise Invalid(f"{owner}: {what} '{value}' is listed twice", field=f"{path}[{index}]")
        seen.add(value)


def _check_name_map(
    mapping: dict[str, str] | None, names: tuple[str, ...], owner: str, path: str, pattern: re.Pattern, what: str
) -> None:
    if not mapping:
        return
    used: dict[str, str] = {}
    for name, value in mapping.items():
        if name not in names:
            raise Invalid(
                f"{owner}: {what} for unknown label '{name}'; labels are: {', '.join(names) or 'none'}",
                field=f"{path}.{name}",
            )
        if not pattern.match(value):
            raise Invalid(f"{owner}: {what} {value!r} for '{name}' is not valid", field=f"{path}.{name}")
        if what == "hotkey" and value in used:
            message = f"{owner}: hotkey '{value}' is used by both '{used[value]}' and '{name}'"
            raise Invalid(message, field=f"{path}.{name}")
        used[value] = name


def _check_counts(spec: ControlSpec, owner: str, path: str) -> None:
    if isinstance(spec, (NumberControl, RatingControl)):
        return
    low, high = getattr(spec, "min", None), getattr(spec, "max", None)
    if isinstance(spec, ChoicesControl) and not spec.multiple and (low is not None or high is not None):
        raise Invalid(f"{owner}: 'min' and 'max' count answers, so they need multiple: true", field=f"{path}.min")
    if isinstance(spec, TaxonomyControl) and not spec.multiple and high is not None and high > 1:
        raise Invalid(f"{owner}: 'max' is {high} but multiple is false (one path at most)", field=f"{path}.max")
    if low is not None and high is not None and low > high:
        raise Invalid(f"{owner}: 'min' ({low}) is greater than 'max' ({high})", field=f"{path}.min")


def _check_skeleton(spec: KeypointsControl, owner: str, path: str) -> None:
    _check_unique(spec.points, owner, f"{path}.points", what="point")
    edges: set[frozenset[str]] = set()
    for index, (a, b) in enumerate(spec.skeleton):
        for end in (a, b):
            if end not in spec.points:
                raise Invalid(
                    f"{owner}: skeleton edge {index} names unknown point '{end}'; points are: {', '.join(spec.points)}",
                    field=f"{path}.skeleton[{index}]",
                )
        if a == b or frozenset((a, b)) in edges:
            message = f"{owner}: skeleton edge {index} ({a}-{b}) is a loop or a repeat"
            raise Invalid(message, field=f"{path}.skeleton[{index}]")
        edges.add(frozenset((a, b)))


def _check_relations(name: str, spec: RelationsControl, controls: dict, owner: str, path: str) -> None:
    regional = [other for other, c in controls.items() if isinstance(c, RegionControl)]
    if spec.controls is None:
        if not regional:
            raise Invalid(f"{owner}: relations need a control with regions (spans, boxes, ...) to connect", field=path)
        return
    _check_unique(spec.controls, owner, f"{path}.controls", what="control")
    for index, other in enumerate(spec.controls):
        if other not in regional:
            raise Invalid(
                f"{owner}: cannot connect '{other}'; relations connect regions of: {', '.join(regional) or 'none'}",
                field=f"{path}.controls[{index}]",
            )


def _check_options_given(spec: ControlSpec, owner: str, path: str) -> None:
    """Options and labels may come from the task data (`options_field`, `labels_field`), else they are needed."""
    if isinstance(spec, ChoicesControl) and not spec.options and spec.options_field is None:
        raise Invalid(f"{owner}: 'options' must not be empty (give at least one, or name a task-data key "
                      "in options_field)", field=f"{path}.options")
    if isinstance(spec, RegionControl) and not spec.labels:
        if isinstance(spec, KeypointsControl) or spec.labels_field is None:
            raise Invalid(f"{owner}: missing option 'labels' (give at least one" + (
                ")" if isinstance(spec, KeypointsControl) else ", or name a task-data key in labels_field)"),
                field=f"{path}.labels")


def _check_visible_when(name: str, spec: ControlSpec, controls: dict, owner: str, path: str) -> None:
    other = spec.visible_when.control
    if other == name or other not in controls:
        others = ", ".join(n for n in controls if n != name) or "none"
        raise Invalid(f"{owner}: visible_when names control '{other}', which is not another control of this "
                      f"schema; controls are: {others}", field=f"{path}.visible_when.control")


def _check_buckets(spec: RankingControl, owner: str, path: str) -> None:
    names = tuple(bucket.name for bucket in spec.buckets)
    _check_unique(names, owner, f"{path}.buckets", what="bucket")
    if spec.default_bucket is not None and spec.default_bucket not in names:
        raise Invalid(f"{owner}: default_bucket '{spec.default_bucket}' is not one of the buckets "
                      f"({', '.join(names) or 'none'})", field=f"{path}.default_bucket")


def _check_per_region(spec: PerRegionMixin, controls: dict, owner: str, path: str) -> None:
    if spec.per_region != (spec.regions_of is not None):
        raise Invalid(f"{owner}: per_region: true and regions_of: <control> go together", field=f"{path}.regions_of")
    regional = [other for other, c in controls.items() if isinstance(c, RegionControl)]
    for other in spec.region_controls():
        if not isinstance(controls.get(other), RegionControl):
            raise Invalid(
                f"{owner}: regions_of '{other}' is not a control with regions; "
                f"choose one of: {', '.join(regional) or 'none'}",
                field=f"{path}.regions_of",
            )


def _check_number(spec: NumberControl, owner: str, path: str) -> None:
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        raise Invalid(f"{owner}: 'min' ({spec.min:g}) is greater than 'max' ({spec.max:g})", field=f"{path}.min")
    for key in ("min", "max", "step"):
        value = getattr(spec, key)
        if value is not None and not math.isfinite(value):
            raise Invalid(f"{owner}: '{key}' must be a finite number", field=f"{path}.{key}")
        if spec.integer and value is not None and not float(value).is_integer():
            raise Invalid(f"{owner}: '{key}' is {value:g} but the number is an integer", field=f"{path}.{key}")


def _or_list(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "empty"}.get(
        type(value), type(value).__name__
    )
