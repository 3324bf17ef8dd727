"""A schema written as Label Studio XML reads back (through the config converter) as the same schema."""

from labelwise.schema import parse_schema
from labelwise.formats import labelstudio_config
from labelwise.formats.labelstudio_xml import to_label_config

SCHEMA = {
    "objects": {"text": {"type": "text"}, "photo": {"type": "image", "field": "image_url"}},
    "controls": {
        "sentiment": {"type": "choices", "object": "text", "options": ["pos", "neg"]},
        "tags": {"type": "choices", "object": "text", "options": ["a", "b"], "multiple": True},
        "ner": {"type": "spans", "object": "text", "labels": ["PER", "ORG"]},
        "boxes": {"type": "boxes", "object": "photo", "labels": ["cat", "dog"]},
        "stars": {"type": "rating", "object": "text", "max": 4},
        "note": {"type": "text", "object": "text"},
        "masks": {"type": "masks", "object": "photo", "labels": ["sky"]},
    },
}


def test_schema_round_trips_through_label_studio_xml():
    xml, left_out = to_label_config(parse_schema(SCHEMA))
    assert left_out == ["masks"]
    back, warnings = labelstudio_config.convert(xml)
    assert warnings == []
    expected = {k: v for k, v in SCHEMA["controls"].items() if k != "masks"}
    assert {name: back["controls"][name]["type"] for name in back["controls"]} == \
        {name: spec["type"] for name, spec in expected.items()}
    assert back["controls"]["sentiment"]["options"] == ["pos", "neg"]
    assert back["controls"]["tags"].get("multiple") is True
    assert back["controls"]["boxes"]["labels"] == ["cat", "dog"] and back["controls"]["stars"]["max"] == 4
    assert back["objects"]["photo"] == {"type": "image", "field": "image_url"}
