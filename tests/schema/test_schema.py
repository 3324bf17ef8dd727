import json

import pytest

from labelwise.errors import Invalid
from labelwise.schema import CONTROL_TYPES, OBJECT_TYPES, LabelSchema, parse_schema

EVERY_TYPE = {
    "objects": {
        "review": {"type": "text"},
        "photo": {"type": "image", "description": "the photo"},
        "clip": {"type": "audio", "field": "audio_url"},
        "movie": {"type": "video"},
        "sensor": {"type": "timeseries", "time_key": "t", "channels": ["temp", "load"]},
        "row": {"type": "table", "columns": ["name", "age"]},
        "chat": {"type": "paragraphs", "author_key": "speaker"},
        "scan": {"type": "pdf"},
        "left": {"type": "text"},
        "right": {"type": "text"},
        "conversation": {"type": "chat"},
        "sweep": {"type": "pointcloud", "color_by": "intensity"},
        "volume": {"type": "dicom"},
    },
    "controls": {
        "sentiment": {"type": "choices", "object": "review", "options": ["pos", "neg"], "required": True,
                      "hotkeys": {"pos": "p", "neg": "n"}},
        "topics": {"type": "choices", "object": "review", "options": ["a", "b", "c"], "multiple": True, "min": 1, "max": 2},
        "animal": {"type": "taxonomy", "object": "review", "options": [{"Animal": ["Cat", {"Dog": ["Puppy"]}]}, "Plant"],
                   "leaf_only": True},
        "entities": {"type": "spans", "object": "review", "labels": ["PER", "ORG"], "allow_overlap": False,
                     "colors": {"PER": "#ff0000", "ORG": "teal"}},
        "turns": {"type": "spans", "object": "chat", "labels": ["Q"]},
        "links": {"type": "relations", "controls": ["entities"], "labels": ["works_for"]},
        "cars": {"type": "boxes", "object": "photo", "labels": ["car"], "rotatable": True, "max": 10},
        "fields": {"type": "boxes", "object": "scan", "labels": ["signature"]},
        "shapes": {"type": "polygons", "object": "photo", "labels": ["road"]},
        "lanes": {"type": "polylines", "object": "photo", "labels": ["lane"]},
        "pose": {"type": "keypoints", "object": "photo", "labels": ["person"], "points": ["head", "hand", "foot"],
                 "skeleton": [["head", "hand"], ["head", "foot"]]},
        "paint": {"type": "masks", "object": "photo", "labels": ["sky"]},
        "speech": {"type": "segments", "object": "clip", "labels": ["speech", "music"]},
        "anomaly": {"type": "segments", "object": "sensor", "labels": ["spike"]},
        "players": {"type": "tracks", "object": "movie", "labels": ["player"]},
        "boxes3d": {"type": "cuboids", "object": "sweep", "labels": ["car"], "pitch_roll": True},
        "classes": {"type": "point_labels", "object": "sweep", "labels": ["road"]},
        "caption": {"type": "text", "object": "photo", "max_length": 200},
        "transcript": {"type": "text", "object": "clip", "per_region": True, "regions_of": "speech"},
        "quality": {"type": "rating", "object": "review", "max": 10},
        "age": {"type": "number", "object": "row", "min": 0, "max": 120, "integer": True},
        "born": {"type": "datetime", "object": "row", "format": "date", "min": "1900-01-01"},
        "order": {"type": "ranking", "object": "chat"},
        "better": {"type": "pairwise", "objects": ["left", "right"], "allow_tie": False},
        "rewrite": {"type": "edit", "object": "conversation"},
    },
}


def _with_control(spec: dict, **objects: dict) -> dict:
    return {"objects": objects or {"review": {"type": "text"}, "photo": {"type": "image"}}, "controls": {"c": spec}}


def test_every_object_and_control_type_parses():
    schema = parse_schema(EVERY_TYPE)
    assert {spec.type for spec in schema.objects.values()} == set(OBJECT_TYPES)
    assert {spec.type for spec in schema.controls.values()} == set(CONTROL_TYPES)


def test_object_field_defaults_to_its_name_and_can_be_overridden():
    schema = parse_schema(EVERY_TYPE)
    assert schema.objects["review"].field == "review"
    assert schema.objects["clip"].field == "audio_url"


@pytest.mark.parametrize("source_kind", ["dict", "json", "json-bytes", "yaml"])
def test_round_trips_through_to_dict(source_kind):
    import yaml

    source = {
        "dict": EVERY_TYPE,
        "json": json.dumps(EVERY_TYPE),
        "json-bytes": json.dumps(EVERY_TYPE).encode(),
        "yaml": yaml.safe_dump(EVERY_TYPE),
    }[source_kind]
    schema = parse_schema(source)
    assert isinstance(schema, LabelSchema)
    assert parse_schema(schema.to_dict()) == schema
    assert parse_schema(json.dumps(schema.to_dict())) == schema


def test_to_dict_leaves_out_defaults():
    schema = parse_schema(EVERY_TYPE)
    assert schema.to_dict()["objects"]["review"] == {"type": "text"}
    assert schema.to_dict()["controls"]["animal"]["options"] == [{"Animal": ["Cat", {"Dog": ["Puppy"]}]}, "Plant"]


def test_parses_the_product_example_in_yaml():
    schema = parse_schema(
        """
objects:
  review: {type: text}
  photo:  {type: image}
controls:
  sentiment: {type: choices, object: review, options: [positive, negative, neutral], required: true}
  entities:  {type: spans, object: review, labels: [PER, ORG, LOC]}
  objects:   {type: boxes, object: photo, labels: [car, person]}
"""
    )
    assert schema.controls["sentiment"].required is True
    assert schema.controls["entities"].allow_overlap is True
    assert schema.controls["objects"].rotatable is False


def test_yaml_flow_style_starting_with_a_brace_parses():
    schema = parse_schema("{objects: {t: {type: text}}, controls: {c: {type: rating, object: t}}}")
    assert schema.controls["c"].max == 5


def test_schema_is_immutable():
    schema = parse_schema(EVERY_TYPE)
    with pytest.raises(TypeError):
        schema.controls["new"] = schema.controls["sentiment"]
    with pytest.raises(Exception):
        schema.controls["sentiment"].required = False


def test_hotkeys_default_to_the_pool_in_order():
    options = [f"o{i}" for i in range(11)]
    schema = parse_schema(_with_control({"type": "choices", "object": "review", "options": options}))
    assert schema.controls["c"].hotkeys is None
    assert schema.hotkeys()["c"] == {**{f"o{i}": str(i + 1) for i in range(9)}, "o9": "0", "o10": "w"}


def test_explicit_hotkeys_replace_the_automatic_ones():
    schema = parse_schema(EVERY_TYPE)
    assert schema.hotkeys()["sentiment"] == {"pos": "p", "neg": "n"}
    keys = [key for per in schema.hotkeys().values() for key in per.values()]
    assert len(keys) == len(set(keys))  # the others take free keys: no key twice across controls
    empty = parse_schema(_with_control({"type": "spans", "object": "review", "labels": ["a"], "hotkeys": {}}))
    assert empty.hotkeys()["c"] == {}


@pytest.mark.parametrize(
    ("source", "field", "words"),
    [
        ("", None, "empty"),
        ("objects: {a: {type: text}\ncontrols: {}", None, "line 2"),
        ('{"objects": {"a": {"type": "text"}},\n "controls": {"c": {"type": "choices", "options": [}}}', None, "line 2"),
        ("objects: {a: {type: text}}\nobjects: {b: {type: text}}", "objects", "twice"),
        ('{"objects": {"a": {"type": "text"}}, "objects": {}}', "objects", "twice"),
        ("- a\n- b", None, "mapping"),
        (b"\xff\xfe", None, "UTF-8"),
    ],
)
def test_bad_text_raises_invalid_with_line(source, field, words):
    with pytest.raises(Invalid) as caught:
        parse_schema(source)
    assert caught.value.field == field
    assert words in caught.value.message
    if "line" in words:
        assert caught.value.line == 2


BAD_SCHEMAS = [
    # (schema, field, words in message)
    ({"objects": {"a": {"type": "text"}}}, "controls", "no 'controls'"),
    ({"objects": {}, "controls": {"c": {"type": "rating", "object": "a"}}}, "objects", "empty"),
    ({"objects": {"a": {"type": "text"}}, "controls": [], "extra": 1}, "extra", "unknown key"),
    ({"objects": {"a b": {"type": "text"}}, "controls": {"c": {}}}, "objects.a b", "not valid"),
    ({"objects": {"a": {"type": "txt"}}, "controls": {"c": {}}}, "objects.a.type", "unknown type 'txt'"),
    ({"objects": {"a": {"kind": "text"}}, "controls": {"c": {}}}, "objects.a.type", "no 'type'"),
    ({"objects": {"a": "text"}, "controls": {"c": {}}}, "objects.a", "must be a mapping"),
    ({"objects": {"a": {"type": "text", "feild": "x"}}, "controls": {"c": {}}}, "objects.a.feild", "unknown option 'feild'"),
    (_with_control({"type": "choice", "object": "review", "options": ["a"]}), "controls.c.type",
     "control 'c': unknown type 'choice' (did you mean choices?); expected one of: choices, taxonomy,"),
    (_with_control({"type": "rotated_boxes", "object": "photo", "labels": ["a"]}), "controls.c.type", "rotatable: true"),
    (_with_control({"type": "choices", "object": "review", "options": []}), "controls.c.options", "must not be empty"),
    (_with_control({"type": "choices", "object": "review", "options": ["a", "a"]}), "controls.c.options[1]", "listed twice"),
    (_with_control({"type": "choices", "object": "review", "lables": ["a"]}), "controls.c.lables", "unknown option 'lables'"),
    (_with_control({"type": "choices", "object": "review", "options": [True, False]}), "controls.c.options[0]", "quote"),
    (_with_control({"type": "choices", "object": "review", "options": [1, 2]}), "controls.c.options[0]", "quote"),
    (_with_control({"type": "choices", "object": "review", "options": ["a"], "required": "yes"}), "controls.c.required",
     "boolean"),
    (_with_control({"type": "choices", "object": "nope", "options": ["a"]}), "controls.c.object", "does not exist"),
    (_with_control({"type": "choices", "options": ["a"]}), "controls.c.object", "missing option 'object'"),
    (_with_control({"type": "choices", "object": "review", "options": ["a"], "min": 1}), "controls.c.min", "multiple"),
    (_with_control({"type": "choices", "object": "review", "options": ["a", "b"], "multiple": True, "min": 2, "max": 1}),
     "controls.c.min", "greater than"),
    (_with_control({"type": "choices", "object": "review", "options": ["a"], "hotkeys": {"b": "1"}}), "controls.c.hotkeys.b",
     "unknown label 'b'"),
    (_with_control({"type": "choices", "object": "review", "options": ["a", "b"], "hotkeys": {"a": "1", "b": "1"}}),
     "controls.c.hotkeys.b", "used by both"),
    (_with_control({"type": "choices", "object": "review", "options": ["a"], "hotkeys": {"a": "two keys"}}),
     "controls.c.hotkeys.a", "not valid"),
    (_with_control({"type": "spans", "object": "photo", "labels": ["a"]}), "controls.c.object",
     "spans cannot apply to image object 'photo'; it needs an object of type text, paragraphs, chat or pdf"),
    (_with_control({"type": "boxes", "object": "review", "labels": ["a"]}), "controls.c.object", "image, pdf, video or dicom"),
    (_with_control({"type": "segments", "object": "photo", "labels": ["a"]}), "controls.c.object", "audio, video or timeseries"),
    (_with_control({"type": "tracks", "object": "photo", "labels": ["a"]}), "controls.c.object", "video"),
    (_with_control({"type": "ranking", "object": "review"}), "controls.c.object", "paragraphs"),
    (_with_control({"type": "spans", "object": "review"}), "controls.c.labels", "missing option 'labels'"),
    (_with_control({"type": "spans", "object": "review", "labels": ["a"], "colors": {"a": "#12"}}), "controls.c.colors.a",
     "not valid"),
    (_with_control({"type": "spans", "object": "review", "labels": ["a"], "colors": {"b": "red"}}), "controls.c.colors.b",
     "unknown label"),
    (_with_control({"type": "boxes", "object": "photo", "labels": ["a"], "min": -1}), "controls.c.min", "greater than or equal"),
    (_with_control({"type": "keypoints", "object": "photo", "labels": ["p"], "points": ["a", "b"], "skeleton": [["a", "c"]]}),
     "controls.c.skeleton[0]", "unknown point 'c'"),
    (_with_control({"type": "keypoints", "object": "photo", "labels": ["p"], "points": ["a", "a"]}), "controls.c.points[1]",
     "listed twice"),
    (_with_control({"type": "keypoints", "object": "photo", "labels": ["p"], "points": ["a", "b"],
                    "skeleton": [["a", "b"], ["b", "a"]]}), "controls.c.skeleton[1]", "repeat"),
    (_with_control({"type": "keypoints", "object": "photo", "labels": ["p"], "points": ["a"], "skeleton": [["a"]]}),
     "controls.c.skeleton[0][1]", "a value is missing"),
    (_with_control({"type": "taxonomy", "object": "review", "options": "Animal"}), "controls.c.options", "list of nodes"),
    (_with_control({"type": "taxonomy", "object": "review", "options": [{"A": ["x"], "B": ["y"]}]}), "controls.c.options[0]",
     "one-key mapping"),
    (_with_control({"type": "taxonomy", "object": "review", "options": [{"A": ["x", "x"]}]}), "controls.c.options[0].A[1]",
     "twice"),
    (_with_control({"type": "taxonomy", "object": "review", "options": ["a"], "multiple": False, "max": 2}), "controls.c.max",
     "multiple is false"),
    (_with_control({"type": "relations", "labels": ["r"]}), "controls.c", "a control with regions"),
    (_with_control({"type": "relations", "object": "review"}), "controls.c.object", "unknown option 'object'"),
    ({"objects": {"t": {"type": "text"}}, "controls": {
        "s": {"type": "choices", "object": "t", "options": ["a"]},
        "c": {"type": "relations", "controls": ["s"]}}}, "controls.c.controls[0]", "cannot connect 's'"),
    (_with_control({"type": "relations", "labels": ["r"], "colors": {"x": "red"}}), "controls.c.colors.x", "unknown label"),
    (_with_control({"type": "text", "object": "review", "per_region": True}), "controls.c.regions_of", "go together"),
    (_with_control({"type": "text", "object": "review", "regions_of": "c"}), "controls.c.regions_of", "go together"),
    (_with_control({"type": "text", "object": "review", "per_region": True, "regions_of": "c"}), "controls.c.regions_of",
     "not a control with regions"),
    (_with_control({"type": "rating", "object": "review", "max": 0}), "controls.c.max", "greater than or equal to 1"),
    (_with_control({"type": "rating", "object": "review", "max": 2.5}), "controls.c.max", "integer"),
    (_with_control({"type": "number", "object": "review", "min": 5, "max": 1}), "controls.c.min", "greater than"),
    (_with_control({"type": "number", "object": "review", "step": 0}), "controls.c.step", "greater than 0"),
    (_with_control({"type": "datetime", "object": "review", "format": "month", "max": "2024-13"}), "controls.c.max",
     "not a month like 2024-05"),
    (_with_control({"type": "number", "object": "review", "integer": True, "max": 2.5}), "controls.c.max", "integer"),
    (_with_control({"type": "number", "object": "review", "min": "1"}), "controls.c.min", "number"),
    (_with_control({"type": "pairwise", "objects": ["review"]}), "controls.c.objects[1]", "a value is missing"),
    (_with_control({"type": "pairwise", "objects": ["review", "review"]}), "controls.c.objects", "itself"),
    (_with_control({"type": "pairwise", "objects": ["review", "gone"]}), "controls.c.objects[1]", "does not exist"),
]


@pytest.mark.parametrize(("schema", "field", "words"), BAD_SCHEMAS)
def test_bad_schema_raises_invalid_naming_the_field(schema, field, words):
    with pytest.raises(Invalid) as caught:
        parse_schema(schema)
    assert caught.value.field == field
    assert words in caught.value.message


def test_error_message_names_the_control():
    with pytest.raises(Invalid) as caught:
        parse_schema(_with_control({"type": "choices", "object": "review", "options": ["a", "a"]}))
    assert caught.value.message.startswith("control 'c':")


def test_non_text_source_is_rejected():
    with pytest.raises(Invalid):
        parse_schema(42)  # type: ignore[arg-type]
