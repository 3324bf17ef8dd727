"""Check one submitted result against its label schema and the task's data, and normalise it.

Shapes are those of `docs/result-shapes.md`. Every problem raises `Invalid` whose `field` is a path
into the result (`result.entities[2].end`) and whose message names the control and the problem.
"""

from __future__ import annotations

from typing import Any, Callable

from labelwise.errors import Invalid
from labelwise.schema import datetimes
from labelwise.schema._checking import _Context, _count, _Here, _is_number, _kind, _list, _mapping, _option
from labelwise.schema.chat import message_keyed
from labelwise.schema.chat_results import check_by_message
from labelwise.schema.dynamic import is_shown, options_for
from labelwise.schema.pdf_regions import check_per_page
from labelwise.schema.regions import REGION_CHECKERS
from labelwise.schema.specs import (
    ChoicesControl,
    ControlSpec,
    DatetimeControl,
    LabelSchema,
    NumberControl,
    PairwiseControl,
    ParagraphsObject,
    RankingControl,
    RatingControl,
    RegionControl,
    RelationsControl,
    TaxonomyControl,
    TaxonomyNode,
    TextControl,
)

__all__ = ["compile_result_validator", "validate_result"]


def compile_result_validator(schema: LabelSchema) -> Callable[[dict, Any], dict]:
    """`validate_result` for one schema with the per-control decisions taken once: which checker, whether the
    answer is per page, keyed by message or per region, the region-first order. Returns `check(data, result)`,
    the same normalised copy or `Invalid` as `validate_result(schema, data, result)`."""
    ordered = sorted(schema.controls, key=lambda name: not isinstance(schema.controls[name], RegionControl))
    plan = []
    for name in ordered:
        control = schema.controls[name]
        if getattr(control, "per_page", False):
            kind = "page"
        elif message_keyed(schema, control):
            kind = "message"
        elif getattr(control, "per_region", False):
            kind = "region"
        else:
            kind = "plain"
        plan.append((name, control, f"result.{name}", kind, _CHECKERS.get(type(control))))
    required = [(name, control) for name, control in schema.controls.items() if control.required]
    order = list(schema.controls)
    known = ", ".join(schema.controls)

    def check(data: dict, result: Any) -> dict:
        if not isinstance(result, dict):
            raise Invalid(f"the result must be a JSON object keyed by control name, not {_kind(result)}", field="result")
        if not isinstance(data, dict):
            raise Invalid(f"the task data must be a JSON object, not {_kind(data)}", field="data")
        for name in result:
            if name not in schema.controls:
                raise Invalid(f"unknown control '{name}'; the schema's controls are: {known}", field=f"result.{name}")
        ctx = _Context(schema=schema, data=data, out_of_range=None)
        out: dict = {}
        for name, control, path, kind, checker in plan:
            value = result.get(name)
            if value is None:
                continue
            here = _Here(name, control, path, ctx)
            if kind == "page":
                out[name] = check_per_page(here, value, checker)
            elif kind == "message":
                by_message = check_by_message(here, value, checker)
                if by_message:
                    out[name] = by_message
            elif kind == "region":
                out[name] = _check_per_region(here, value)
            else:
                out[name] = checker(here, value)
        for name, control in required:  # a control hidden by its visible_when is not required
            if _is_empty(out.get(name)) and is_shown(control, out):
                raise Invalid(f"control '{name}' is required", field=f"result.{name}")
        return {name: out[name] for name in order if name in out}

    return check


def validate_result(schema: LabelSchema, data: dict, result: dict, *, out_of_range: list[str] | None = None) -> dict:
    """Return a normalised copy of `result` (region ids filled in, defaults set) or raise `Invalid`.

    `data` is the task's data payload; it supplies the text for span offsets, image sizes, durations,
    frame counts and ranking items. A control whose value is missing or null is unanswered. With a list
    as `out_of_range`, segments and boxes past the media's bounds are kept and described there, and so is
    a required control left unanswered.
    """
    if not isinstance(result, dict):
        raise Invalid(f"the result must be a JSON object keyed by control name, not {_kind(result)}", field="result")
    if not isinstance(data, dict):
        raise Invalid(f"the task data must be a JSON object, not {_kind(data)}", field="data")
    for name in result:
        if name not in schema.controls:
            raise Invalid(
                f"unknown control '{name}'; the schema's controls are: {', '.join(schema.controls)}",
                field=f"result.{name}",
            )
    ctx = _Context(schema=schema, data=data, out_of_range=out_of_range)
    answers = {name: result[name] for name in schema.controls if result.get(name) is not None}
    out: dict = {}
    # Regions first: relations and per-region text refer to their ids.
    ordered = sorted(schema.controls, key=lambda name: not isinstance(schema.controls[name], RegionControl))
    for name in ordered:
        control = schema.controls[name]
        if name in answers:
            here = _Here(name, control, f"result.{name}", ctx)
            check = _CHECKERS.get(type(control))
            if getattr(control, "per_page", False):
                out[name] = check_per_page(here, answers[name], check)
            elif message_keyed(schema, control):
                by_message = check_by_message(here, answers[name], check)
                if by_message:
                    out[name] = by_message
            elif getattr(control, "per_region", False):
                out[name] = _check_per_region(here, answers[name])
            else:
                out[name] = check(here, answers[name])
    for name, control in schema.controls.items():  # a control hidden by its visible_when is not required
        if control.required and _is_empty(out.get(name)) and is_shown(control, out):
            if out_of_range is None:
                raise Invalid(f"control '{name}' is required", field=f"result.{name}")
            # another tool's data (a Label Studio prediction) may leave it out: kept, and noted
            out_of_range.append(f"result.{name}: control '{name}' is required but has no answer")
    return {name: out[name] for name in schema.controls if name in out}


def _check_per_region(here: _Here, value: Any) -> dict:
    """`{region id: answer}` for a per-region control; each answer is checked as the control's own."""
    control = here.control
    if not isinstance(value, dict):
        what = "text" if isinstance(control, TextControl) else "answer"
        raise here.fail(f"takes an object of region id to {what} (per_region is true), not {_kind(value)}")
    check = _CHECKERS[type(control)]
    out = {}
    for region_id, answer in value.items():
        where = f"{here.path}.{region_id}"
        owners = control.region_controls()
        if here.ctx.region_owner.get(region_id) not in owners:
            raise here.fail(
                f"an answer for region '{region_id}', but control '{' or '.join(owners)}' has no such region "
                "in this result", where)
        if answer is not None:
            out[region_id] = check(_Here(here.name, control, where, here.ctx), answer)
    return out


# --- single-value controls ---------------------------------------------------------------------------

def _check_choices(here: _Here, value: Any) -> str | list[str]:
    control: ChoicesControl = here.control
    options = options_for(control, here.ctx.data)
    if not control.multiple:
        if isinstance(value, list):
            raise here.fail("takes one choice (multiple is false), not a list")
        return _option(here, value, options, here.path)
    items = _list(here, value, "a list of choices (multiple is true)")
    seen: set[str] = set()
    for index, item in enumerate(items):
        _option(here, item, options, f"{here.path}[{index}]")
        if item in seen:
            raise here.fail(f"choice '{item}' is given twice", f"{here.path}[{index}]")
        seen.add(item)
    _count(here, len(items), control.min, control.max, "choices")
    return list(items)


def _check_taxonomy(here: _Here, value: Any) -> list[list[str]]:
    control: TaxonomyControl = here.control
    paths = _list(here, value, "a list of paths from the root, such as [[\"Animal\", \"Cat\"]]")
    out, seen = [], set()
    for index, path in enumerate(paths):
        where = f"{here.path}[{index}]"
        if not isinstance(path, list) or not path or not all(isinstance(step, str) for step in path):
            raise here.fail(f"path {index} must be a non-empty list of option names, not {path!r}", where)
        node = _walk(control.options, path)
        if node is None:
            raise here.fail(f"path {index} ({' / '.join(path)}) is not in the taxonomy", where)
        if control.leaf_only and node.children:
            raise here.fail(f"path {index} ({' / '.join(path)}) stops before a leaf; only leaves can be chosen", where)
        if tuple(path) in seen:
            raise here.fail(f"path {index} ({' / '.join(path)}) is given twice", where)
        seen.add(tuple(path))
        out.append(list(path))
    if not control.multiple and len(out) > 1:
        raise here.fail(f"takes one path (multiple is false), got {len(out)}")
    _count(here, len(out), control.min, control.max, "paths")
    return out


def _check_text(here: _Here, value: Any) -> str:
    return _text_value(here, value, here.path)


def _check_rating(here: _Here, value: Any) -> int:
    control: RatingControl = here.control
    if not _is_number(value) or not float(value).is_integer():
        raise here.fail(f"a rating is a whole number from 1 to {control.max}, not {value!r}")
    if not 1 <= value <= control.max:
        raise here.fail(f"rating {value:g} is outside 1..{control.max}")
    return int(value)


def _check_number(here: _Here, value: Any) -> int | float:
    control: NumberControl = here.control
    if not _is_number(value):
        raise here.fail(f"expects a number, not {value!r}")
    if control.integer and not float(value).is_integer():
        raise here.fail(f"{value:g} is not an integer")
    if control.min is not None and value < control.min:
        raise here.fail(f"{value:g} is below the minimum {control.min:g}")
    if control.max is not None and value > control.max:
        raise here.fail(f"{value:g} is above the maximum {control.max:g}")
    if control.step is not None:
        steps = (value - (control.min or 0)) / control.step
        if abs(steps - round(steps)) > 1e-9 * max(1.0, abs(steps)):
            raise here.fail(f"{value:g} is not a multiple of the step {control.step:g} from {control.min or 0:g}")
    return int(value) if control.integer else value


def _check_datetime(here: _Here, value: Any) -> str:
    control: DatetimeControl = here.control
    if not datetimes.is_valid(control.format, value):
        raise here.fail(f"expects a {control.format} like {datetimes.EXAMPLES[control.format]}, not {value!r}")
    if control.min is not None and value < control.min:
        raise here.fail(f"{value} is before the minimum {control.min}")
    if control.max is not None and value > control.max:
        raise here.fail(f"{value} is after the maximum {control.max}")
    return value


def _check_ranking(here: _Here, value: Any) -> list[str] | dict[str, list[str]]:
    control: RankingControl = here.control
    if control.buckets:
        return _check_buckets(here, value)
    items = _list(here, value, "a list of item ids, best first")
    known = _item_ids(here, here.ctx.schema.objects[control.object])
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"{here.path}[{index}]"
        if item not in known:
            raise here.fail(f"item {item!r} is not one of the task's items ({', '.join(known)})", where)
        if item in seen:
            raise here.fail(f"item '{item}' is ranked twice", where)
        seen.add(item)
    missing = [item for item in known if item not in seen]
    if missing:
        raise here.fail(f"the ranking leaves out {', '.join(repr(m) for m in missing)}; rank every item")
    return list(items)


# Label Studio keeps the items left in the list under "_" when there is no default bucket.
UNSORTED = "_"


def _check_buckets(here: _Here, value: Any) -> dict[str, list[str]]:
    control: RankingControl = here.control
    if not isinstance(value, dict):
        raise here.fail(f"takes an object of bucket name to item ids (the control has buckets), not {_kind(value)}")
    names = [bucket.name for bucket in control.buckets]
    known = _item_ids(here, here.ctx.schema.objects[control.object])
    seen: set[str] = set()
    out = {}
    for bucket, items in value.items():
        where = f"{here.path}.{bucket}"
        if bucket not in names and bucket != UNSORTED:
            raise here.fail(f"unknown bucket {bucket!r}; buckets are: {', '.join(names)}", where)
        if not isinstance(items, list):
            raise here.fail(f"bucket '{bucket}' must list item ids, not {_kind(items)}", where)
        for index, item in enumerate(items):
            if item not in known:
                raise here.fail(f"item {item!r} is not one of the task's items ({', '.join(known)})", f"{where}[{index}]")
            if item in seen:
                raise here.fail(f"item '{item}' is in more than one place", f"{where}[{index}]")
            seen.add(item)
        out[bucket] = list(items)
    return out


def _check_pairwise(here: _Here, value: Any) -> str:
    control: PairwiseControl = here.control
    allowed = ("a", "b", "tie") if control.allow_tie else ("a", "b")
    if value not in allowed or not isinstance(value, str):
        raise here.fail(f"expects one of {', '.join(repr(a) for a in allowed)}, not {value!r}")
    return value


def _check_relations(here: _Here, value: Any) -> list[dict]:
    control: RelationsControl = here.control
    items = _list(here, value, "a list of relations")
    connectable = set(control.controls) if control.controls is not None else None
    out, seen = [], set()
    for index, item in enumerate(items):
        where = f"{here.path}[{index}]"
        item = _mapping(here, item, where, f"relation {index}", required=("from", "to"),
                        optional=("label", "score", "direction"))
        if item.get("direction", "right") not in ("right", "left", "bi"):
            raise here.fail(f"relation {index} direction must be right, left or bi", f"{where}.direction")
        for end in ("from", "to"):
            region_id = item[end]
            owner = here.ctx.region_owner.get(region_id) if isinstance(region_id, str) else None
            if owner is None:
                raise here.fail(
                    f"relation {index} points at region {region_id!r}, which is not in this result",
                    f"{where}.{end}",
                )
            if connectable is not None and owner not in connectable:
                raise here.fail(
                    f"relation {index} points at region '{region_id}' of control '{owner}', "
                    "which this control does not connect",
                    f"{where}.{end}",
                )
        if item["from"] == item["to"]:
            raise here.fail(f"relation {index} connects region '{item['from']}' to itself", f"{where}.to")
        if "label" in item:  # a relation may be left without a label, as in Label Studio
            _option(here, item["label"], control.labels or (), f"{where}.label", what="label")
        key = (item["from"], item["to"], item.get("label"))
        if key in seen:
            raise here.fail(f"relation {index} repeats an earlier relation", where)
        seen.add(key)
        out.append(dict(item))
    _count(here, len(out), control.min, control.max, "relations")
    return out


def _item_ids(here: _Here, spec: ParagraphsObject) -> list[str]:
    items = here.ctx.data.get(spec.field)
    if not isinstance(items, list) or not items:
        raise here.fail(f"the task data has no items to rank under '{spec.field}'", f"data.{spec.field}")
    return [
        str(item["id"]) if isinstance(item, dict) and "id" in item else str(index) for index, item in enumerate(items)
    ]


def _text_value(here: _Here, value: Any, path: str) -> str:
    control: TextControl = here.control
    if not isinstance(value, str):
        raise here.fail(f"expects text, not {_kind(value)}", path)
    if control.max_length is not None and len(value) > control.max_length:
        raise here.fail(f"text is {len(value)} characters, over the limit of {control.max_length}", path)
    return value


def _walk(nodes: tuple[TaxonomyNode, ...], path: list[str]) -> TaxonomyNode | None:
    node = None
    for step in path:
        node = next((candidate for candidate in nodes if candidate.value == step), None)
        if node is None:
            return None
        nodes = node.children
    return node


def _is_empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or (isinstance(value, str) and not value.strip())


_CHECKERS: dict[type[ControlSpec], Callable[[_Here, Any], Any]] = {
    ChoicesControl: _check_choices,
    TaxonomyControl: _check_taxonomy,
    RelationsControl: _check_relations,
    TextControl: _check_text,
    RatingControl: _check_rating,
    NumberControl: _check_number,
    DatetimeControl: _check_datetime,
    RankingControl: _check_ranking,
    PairwiseControl: _check_pairwise,
    **REGION_CHECKERS,
}
