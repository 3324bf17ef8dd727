"""Label schemas: parse YAML, JSON or a dict into immutable typed specs, or fail with `Invalid`.

Objects say what a task shows (and which task-data key holds it); controls say what is asked about
which object. `docs/result-shapes.md` lists every type, its options and the result it produces.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool, StrictInt, ValidationError, field_serializer

from labelwise.errors import Invalid
from labelwise.schema.hotkeys import assign_hotkeys

__all__ = [
    "CONTROL_TYPES",
    "OBJECT_TYPES",
    "LabelSchema",
    "parse_schema",
    "ObjectSpec",
    "TextObject",
    "ImageObject",
    "AudioObject",
    "VideoObject",
    "TimeseriesObject",
    "TableObject",
    "ParagraphsObject",
    "PdfObject",
    "ControlSpec",
    "RegionControl",
    "ChoicesControl",
    "TaxonomyControl",
    "TaxonomyNode",
    "SpansControl",
    "RelationsControl",
    "BoxesControl",
    "PolygonsControl",
    "PolylinesControl",
    "KeypointsControl",
    "MasksControl",
    "SegmentsControl",
    "TracksControl",
    "TextControl",
    "RatingControl",
    "NumberControl",
    "RankingControl",
    "PairwiseControl",
]


@dataclass(frozen=True)
class LabelSchema:
    """A validated schema: read-only mappings of object and control names to their specs."""

    objects: Mapping[str, ObjectSpec]
    controls: Mapping[str, ControlSpec]

    def to_dict(self) -> dict:
        """Plain JSON-ready dict that `parse_schema` turns back into an equal schema."""
        return {
            "objects": {name: _dump_object(name, spec) for name, spec in self.objects.items()},
            "controls": {
                name: spec.model_dump(mode="json", exclude_defaults=True) for name, spec in self.controls.items()
            },
        }

    def hotkeys(self) -> dict[str, dict[str, str]]:
        """The key of every label and option, one per label across all controls (see `schema.hotkeys`)."""
        return assign_hotkeys(self.objects, self.controls)


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


# --- object specs ----------------------------------------------------------------------------------

_Name = Annotated[str, Strict(), Field(min_length=1)]
_Number = Annotated[float, Strict()]
_Count = Annotated[StrictInt, Field(ge=0)]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ObjectSpec(_Spec):
    """What a task shows; `field` is the task-data key holding its value (default: the object's name)."""

    type: str
    field: _Name
    description: Annotated[str, Strict()] | None = None


class TextObject(ObjectSpec):
    type: Literal["text"]


class ImageObject(ObjectSpec):
    """Value: a URL, or `{"src", "width", "height"}` (then boxes and points are bounds-checked)."""

    type: Literal["image"]


class AudioObject(ObjectSpec):
    """Value: a URL, or `{"src", "duration"}` in seconds (then segments are bounds-checked)."""

    type: Literal["audio"]


class VideoObject(ObjectSpec):
    """Value: a URL, or `{"src", "width", "height", "duration", "frame_rate", "frames"}`."""

    type: Literal["video"]


class TimeseriesObject(ObjectSpec):
    """Value: `{time_key: [t0, t1, ...], "<channel>": [v0, v1, ...], ...}` or a CSV URL."""

    type: Literal["timeseries"]
    time_key: _Name = "time"
    channels: tuple[_Name, ...] | None = None


class TableObject(ObjectSpec):
    """Value: a record `{"column": value, ...}`; `columns` picks and orders what is shown."""

    type: Literal["table"]
    columns: tuple[_Name, ...] | None = None


class ParagraphsObject(ObjectSpec):
    """Value: a list of items, each a string or `{"id"?, author_key?, text_key}` (dialogue, LLM outputs)."""

    type: Literal["paragraphs"]
    text_key: _Name = "text"
    author_key: _Name = "author"


class PdfObject(ObjectSpec):
    """Value: a list of page images, each a URL or `{"src", "width", "height"}`."""

    type: Literal["pdf"]


_OBJECT_CLASSES: dict[str, type[ObjectSpec]] = {
    "text": TextObject,
    "image": ImageObject,
    "audio": AudioObject,
    "video": VideoObject,
    "timeseries": TimeseriesObject,
    "table": TableObject,
    "paragraphs": ParagraphsObject,
    "pdf": PdfObject,
}
OBJECT_TYPES: tuple[str, ...] = tuple(_OBJECT_CLASSES)


# --- control specs ---------------------------------------------------------------------------------

_ColorMap = dict[_Name, _Name] | None
_HotkeyMap = dict[_Name, _Name] | None


class ControlSpec(_Spec):
    """What is asked. `object_types` lists the object types it may apply to (None: any)."""

    object_types: ClassVar[tuple[str, ...] | None] = None
    type: str
    required: StrictBool = False
    description: Annotated[str, Strict()] | None = None


class _OnObject(ControlSpec):
    object: _Name


class RegionControl(_OnObject):
    """A control whose result is a list of regions, each with an `id` and a `label`."""

    labels: tuple[_Name, ...] = Field(min_length=1)
    colors: _ColorMap = None
    hotkeys: _HotkeyMap = None
    min: _Count | None = None
    max: _Count | None = None


class ChoicesControl(_OnObject):
    type: Literal["choices"]
    options: tuple[_Name, ...] = Field(min_length=1)
    multiple: StrictBool = False
    hotkeys: _HotkeyMap = None
    min: _Count | None = None
    max: _Count | None = None


class TaxonomyNode(_Spec):
    value: _Name
    children: tuple[TaxonomyNode, ...] = ()


class TaxonomyControl(_OnObject):
    type: Literal["taxonomy"]
    options: tuple[TaxonomyNode, ...] = Field(min_length=1)
    multiple: StrictBool = True
    leaf_only: StrictBool = False
    min: _Count | None = None
    max: _Count | None = None

    @field_serializer("options")
    def _friendly_tree(self, options: tuple[TaxonomyNode, ...]) -> list:
        return [_dump_node(node) for node in options]


class SpansControl(RegionControl):
    object_types = ("text", "paragraphs")
    type: Literal["spans"]
    allow_overlap: StrictBool = True


class BoxesControl(RegionControl):
    object_types = ("image", "pdf", "video")
    type: Literal["boxes"]
    rotatable: StrictBool = False


class PolygonsControl(RegionControl):
    object_types = ("image", "pdf")
    type: Literal["polygons"]


class PolylinesControl(RegionControl):
    object_types = ("image", "pdf")
    type: Literal["polylines"]


class KeypointsControl(RegionControl):
    object_types = ("image", "pdf")
    type: Literal["keypoints"]
    points: tuple[_Name, ...] = Field(min_length=1)
    skeleton: tuple[tuple[_Name, _Name], ...] = ()


class MasksControl(RegionControl):
    object_types = ("image", "pdf")
    type: Literal["masks"]


class SegmentsControl(RegionControl):
    object_types = ("audio", "video", "timeseries")
    type: Literal["segments"]
    allow_overlap: StrictBool = True


class TracksControl(RegionControl):
    object_types = ("video",)
    type: Literal["tracks"]


class RelationsControl(ControlSpec):
    type: Literal["relations"]
    controls: tuple[_Name, ...] | None = None
    labels: tuple[_Name, ...] | None = None
    colors: _ColorMap = None
    hotkeys: _HotkeyMap = None
    min: _Count | None = None
    max: _Count | None = None


class TextControl(_OnObject):
    type: Literal["text"]
    max_length: Annotated[StrictInt, Field(ge=1)] | None = None
    per_region: StrictBool = False
    regions_of: _Name | None = None


class RatingControl(_OnObject):
    type: Literal["rating"]
    max: Annotated[StrictInt, Field(ge=1, le=100)] = 5


class NumberControl(_OnObject):
    type: Literal["number"]
    min: _Number | None = None
    max: _Number | None = None
    step: Annotated[float, Strict(), Field(gt=0)] | None = None
    integer: StrictBool = False


class RankingControl(_OnObject):
    object_types = ("paragraphs",)
    type: Literal["ranking"]


class PairwiseControl(ControlSpec):
    type: Literal["pairwise"]
    objects: tuple[_Name, _Name]
    allow_tie: StrictBool = True


_CONTROL_CLASSES: dict[str, type[ControlSpec]] = {
    "choices": ChoicesControl,
    "taxonomy": TaxonomyControl,
    "spans": SpansControl,
    "relations": RelationsControl,
    "boxes": BoxesControl,
    "polygons": PolygonsControl,
    "polylines": PolylinesControl,
    "keypoints": KeypointsControl,
    "masks": MasksControl,
    "segments": SegmentsControl,
    "tracks": TracksControl,
    "text": TextControl,
    "rating": RatingControl,
    "number": NumberControl,
    "ranking": RankingControl,
    "pairwise": PairwiseControl,
}
CONTROL_TYPES: tuple[str, ...] = tuple(_CONTROL_CLASSES)

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


class _StrictLoader(yaml.SafeLoader):
    """Safe loader that rejects duplicate keys, which plain YAML silently resolves to the last one."""

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
    cls = _pick_class(raw, _OBJECT_CLASSES, owner, path)
    return _validate(cls, {"field": name, **raw}, owner, path)


def _parse_control(name: str, raw: Any) -> ControlSpec:
    owner, path = f"control '{name}'", f"controls.{name}"
    raw = _typed_mapping(raw, owner, path)
    cls = _pick_class(raw, _CONTROL_CLASSES, owner, path)
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


def _validate(cls: type[_Spec], raw: dict, owner: str, path: str) -> Any:
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        raise _invalid_from(exc, cls, owner, path) from None


def _invalid_from(exc: ValidationError, cls: type[_Spec], owner: str, path: str) -> Invalid:
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
    if isinstance(spec, _OnObject):
        _check_object_ref(owner, f"{path}.object", spec, spec.object, objects)
    if not isinstance(spec, TaxonomyControl):
        key = "options" if isinstance(spec, ChoicesControl) else "labels"
        names = getattr(spec, key, None) or ()
        _check_unique(names, owner, f"{path}.{key}", what="label" if key == "labels" else "choice")
        _check_name_map(getattr(spec, "colors", None), names, owner, f"{path}.colors", _COLOR, "color")
        _check_name_map(getattr(spec, "hotkeys", None), names, owner, f"{path}.hotkeys", _HOTKEY, "hotkey")
    _check_counts(spec, owner, path)
    if isinstance(spec, KeypointsControl):
        _check_skeleton(spec, owner, path)
    elif isinstance(spec, RelationsControl):
        _check_relations(name, spec, controls, owner, path)
    elif isinstance(spec, TextControl):
        _check_text(spec, controls, owner, path)
    elif isinstance(spec, NumberControl):
        _check_number(spec, owner, path)
    elif isinstance(spec, PairwiseControl):
        if spec.objects[0] == spec.objects[1]:
            raise Invalid(f"{owner}: compares an object with itself; name two objects", field=f"{path}.objects")
        for index, obj in enumerate(spec.objects):
            _check_object_ref(owner, f"{path}.objects[{index}]", spec, obj, objects)


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


def _check_text(spec: TextControl, controls: dict, owner: str, path: str) -> None:
    if spec.per_region != (spec.regions_of is not None):
        raise Invalid(f"{owner}: per_region: true and regions_of: <control> go together", field=f"{path}.regions_of")
    if spec.regions_of is not None and not isinstance(controls.get(spec.regions_of), RegionControl):
        regional = [other for other, c in controls.items() if isinstance(c, RegionControl)]
        raise Invalid(
            f"{owner}: regions_of '{spec.regions_of}' is not a control with regions; "
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


# --- dumping -----------------------------------------------------------------------------------------

def _dump_object(name: str, spec: ObjectSpec) -> dict:
    out = spec.model_dump(mode="json", exclude_defaults=True)
    if out.get("field") == name:
        del out["field"]
    return out


def _dump_node(node: TaxonomyNode) -> str | dict:
    if not node.children:
        return node.value
    return {node.value: [_dump_node(child) for child in node.children]}


def _or_list(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "empty"}.get(
        type(value), type(value).__name__
    )
