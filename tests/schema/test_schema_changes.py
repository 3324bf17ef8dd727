"""Schema diffs and label migrations as pure functions on schemas and result dicts."""

import pytest

from labelwise.errors import Invalid
from labelwise.schema import parse_schema
from labelwise.schema.changes import diff_schemas, guidelines_diff
from labelwise.schema.migration import broken_controls, parse_migration, used_labels

OLD = parse_schema({
    "objects": {"text": {"type": "text"}},
    "controls": {
        "tone": {"type": "choices", "object": "text", "options": ["good", "bad", "meh"], "multiple": True},
        "ents": {"type": "spans", "object": "text", "labels": ["PER", "ORG"]},
        "links": {"type": "relations", "labels": ["works_at"]},
        "stars": {"type": "rating", "object": "text", "max": 5},
    },
})
DATA = {"text": "Ann works at Acme"}
RESULT = {"tone": ["good", "meh"], "ents": [{"id": "a", "start": 0, "end": 3, "label": "PER"},
                                            {"id": "b", "start": 13, "end": 17, "label": "ORG"}],
          "links": [{"from": "a", "to": "b", "label": "works_at"}], "stars": 5}


def _new(**controls):
    spec = {"objects": {"text": {"type": "text"}}, "controls": {
        "tone": {"type": "choices", "object": "text", "options": ["good", "bad", "meh"], "multiple": True},
        "ents": {"type": "spans", "object": "text", "labels": ["PER", "ORG"]},
        "links": {"type": "relations", "labels": ["works_at"]},
        "stars": {"type": "rating", "object": "text", "max": 5}}}
    spec["controls"].update(controls)
    return parse_schema({**spec, "controls": {k: v for k, v in spec["controls"].items() if v is not None}})


def test_diff_lines_and_what_is_at_risk():
    new = _new(tone={"type": "choices", "object": "text", "options": ["good", "bad", "ok"], "multiple": True,
                     "description": "How it sounds"},
               stars={"type": "rating", "object": "text", "max": 3}, links=None,
               topic={"type": "choices", "object": "text", "options": ["a"]})
    diff = diff_schemas(OLD, new)
    assert diff.lines == (
        "- control 'links' (relations)", "+ control 'topic' (choices)", "- option 'meh' of control 'tone'",
        "+ option 'ok' of control 'tone'", "~ control 'tone': description unset -> How it sounds",
        "~ control 'stars': max 5 -> 3")
    assert diff.at_risk == {"links", "tone", "stars"}
    assert diff_schemas(OLD, OLD).lines == ()
    assert diff_schemas(OLD, _new(ents={"type": "spans", "object": "text", "labels": ["PER", "ORG", "LOC"],
                                        "colors": {"PER": "red"}})).at_risk == set()
    assert guidelines_diff("a\nb\n", "a\nc\n") == ["@@ -1,2 +1,2 @@", " a", "-b", "+c"]


def test_broken_controls_say_why_and_follow_relations_to_their_regions():
    new = _new(stars={"type": "rating", "object": "text", "max": 3},
               ents={"type": "spans", "object": "text", "labels": ["PER", "ORG"], "max": 1})
    broken = broken_controls(new, DATA, RESULT)
    assert set(broken) == {"stars", "ents", "links"}  # the relation's regions no longer validate
    assert "at most 1" in broken["ents"]
    assert broken_controls(OLD, DATA, RESULT) == {}
    assert broken_controls(new, DATA, RESULT, {"tone"}) == {}


def test_migration_steps_rewrite_every_kind_of_value():
    new = _new(tone={"type": "choices", "object": "text", "options": ["good", "bad"], "multiple": True},
               ents={"type": "spans", "object": "text", "labels": ["PERSON", "ORG"]},
               stars=None, score={"type": "rating", "object": "text", "max": 3})
    migration = parse_migration([
        {"op": "merge_labels", "control": "tone", "from": ["good", "meh"], "to": "good"},
        {"op": "rename_label", "control": "ents", "from": "PER", "to": "PERSON"},
        {"op": "map_values", "control": "stars", "map": {"5": 3, "4": 2}},
        {"op": "rename_control", "from": "stars", "to": "score"},
    ], OLD, new)
    applied = migration.apply(OLD, RESULT)
    assert applied.changed and applied.relabel == ()
    assert applied.result["tone"] == ["good"] and applied.result["score"] == 3 and "stars" not in applied.result
    assert [e["label"] for e in applied.result["ents"]] == ["PERSON", "ORG"]
    assert broken_controls(new, DATA, applied.result) == {}
    assert RESULT["tone"] == ["good", "meh"]  # the input is untouched
    assert used_labels(OLD.controls["ents"], RESULT["ents"]) == {"PER", "ORG"}


def test_split_takes_the_value_out_and_asks_for_relabeling():
    new = _new(tone={"type": "choices", "object": "text", "options": ["good", "bad", "so-so", "mixed"],
                     "multiple": True})
    migration = parse_migration([{"op": "split_label", "control": "tone", "from": "meh", "to": ["so-so", "mixed"]}],
                                OLD, new)
    applied = migration.apply(OLD, {"tone": ["meh"], "stars": 2})
    assert applied.result == {"stars": 2} and applied.relabel == ("tone",)
    assert migration.apply(OLD, {"tone": ["good"]}).changed is False


@pytest.mark.parametrize(("steps", "field"), [
    ("nope", "migration"),
    ([1], "migration[0]"),
    ([{"op": "merge_labels", "control": "tone", "from": "good", "to": "bad"}], "migration[0].from"),
    ([{"op": "split_label", "control": "tone", "from": "good", "to": "bad"}], "migration[0].to"),
    ([{"op": "map_values", "control": "tone", "map": {}}], "migration[0].map"),
    ([{"op": "rename_control", "from": "tone", "to": "tone"}], "migration[0].to"),
])
def test_bad_steps_name_their_field(steps, field):
    with pytest.raises(Invalid) as refused:
        parse_migration(steps, OLD, OLD)
    assert refused.value.field == field
