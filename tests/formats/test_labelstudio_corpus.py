"""Every config of the Label Studio-style corpus converts with no control lost, and the features its
templates rely on survive: dynamic options, several objects, per-region answers, conditions, fixed texts."""

import re
from xml.etree.ElementTree import fromstring

import pytest

from labelwise.errors import Invalid
from labelwise.formats.labelstudio_config import CONTROL_TAGS, convert
from labelwise.schema import parse_schema, validate_result
from tests.formats.ls_templates import TEMPLATES, UNSUPPORTED

# Label Studio's tag reference (labelstud.io/tags), less Chat (converted under the chat objects issue).
TAG_REFERENCE = {
    "View", "Header", "Style", "Filter", "Collapse", "Panel", "Text", "HyperText", "Image", "Audio", "Video",
    "TimeSeries", "Channel", "Paragraphs", "Table", "List", "Choices", "Choice", "Labels", "Label", "TextArea",
    "Rating", "Number", "Ranker", "Bucket", "Taxonomy", "Relations", "Relation", "Pairwise", "RectangleLabels",
    "Rectangle", "PolygonLabels", "Polygon", "KeyPointLabels", "BrushLabels", "MagicWand", "HyperTextLabels",
    "ParagraphLabels", "TimeSeriesLabels", "VideoRectangle", "TimelineLabels", "EllipseLabels", "DateTime", "Pdf",
    "OcrLabels",
}


def _controls(xml: str) -> list:
    return [node for node in fromstring(xml).iter()
            if node.tag.lower() in CONTROL_TAGS and node.tag.lower() not in ("relations",) and node.get("name")]


def _kept(schema: dict, node) -> bool:
    name = re.sub(r"[^A-Za-z0-9_-]", "_", node.get("name"))
    if name in schema["controls"]:
        return True
    # the <Labels> of a drawing tool are the tool's labels
    return node.tag == "Labels" and any(c["type"] in ("boxes", "polygons", "masks", "tracks", "keypoints")
                                        and c["object"] == re.sub(r"[^A-Za-z0-9_-]", "_", node.get("toName"))
                                        for c in schema["controls"].values())


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_converts_with_no_control_lost(key):
    schema, warnings = convert(TEMPLATES[key])
    parse_schema(schema)
    lost = [node.get("name") for node in _controls(TEMPLATES[key]) if not _kept(schema, node)]
    assert lost == [], (lost, warnings)
    assert not [w for w in warnings if "skipped" in w], warnings


def test_the_corpus_uses_every_tag_of_the_reference():
    used = {node.tag for xml in [*TEMPLATES.values(), *UNSUPPORTED.values()] for node in fromstring(xml).iter()}
    assert TAG_REFERENCE - used == set()


@pytest.mark.parametrize("key", sorted(UNSUPPORTED))
def test_what_cannot_be_kept_is_named_in_a_warning(key):
    schema, warnings = convert(UNSUPPORTED[key])
    for node in _controls(UNSUPPORTED[key]):
        if not _kept(schema, node):
            assert any(f'<{node.tag} name="{node.get("name")}">' in w for w in warnings), warnings
    assert warnings


def test_value_list_with_an_expression_warns_naming_the_attribute():
    _, warnings = convert('<View><Image name="i" valueList="$a.b"/><Rating name="r" toName="i"/></View>')
    assert any("valueList='$a.b'" in w for w in warnings)


def test_options_and_labels_from_task_data():
    schema = parse_schema(convert(TEMPLATES["dynamic_choices"])[0])
    assert schema.controls["category"].options_field == "options"
    assert schema.controls["entity"].labels_field == "entities"
    data = {"text": "Ada Lovelace", "options": [{"value": "Math"}, {"value": "Poetry"}], "entities": ["Person"]}
    result = {"category": "Poetry", "entity": [{"id": "e", "start": 0, "end": 3, "label": "Person"}]}
    assert validate_result(schema, data, result)["category"] == "Poetry"
    with pytest.raises(Invalid, match="unknown choice 'Art'"):
        validate_result(schema, data, {"category": "Art"})


def test_a_control_on_several_objects_becomes_one_control_per_object():
    schema, warnings = convert(TEMPLATES["coreference"])
    assert schema["controls"]["mention"]["object"] == "text1"
    assert schema["controls"]["mention_text2"]["object"] == "text2"
    assert schema["controls"]["mention_text2"]["labels"] == ["Noun", "Pronoun"]
    assert warnings == []


def test_literal_values_are_fixed_texts_not_task_fields():
    schema, _ = convert(TEMPLATES["llm_evaluation"])
    assert schema["objects"]["guide"] == {"type": "text", "literal": "Read the guide before you start: rate "
                                                                    "helpfulness and harmlessness."}
    parsed = parse_schema(schema)
    from labelwise.schema import check_task_data
    check_task_data(parsed, {"prompt": "p", "response": "r"})  # no 'guide' needed


def test_headers_describe_the_next_control_or_stay_as_fixed_text():
    schema, _ = convert(TEMPLATES["text_summarization"])
    assert schema["controls"]["answer"]["description"] == "Provide one sentence summary"
    assert schema["objects"]["header"] == {"type": "text", "literal": "Please read the text"}


def test_conditional_display_is_kept_from_the_control_or_its_view():
    schema, warnings = convert(TEMPLATES["llm_evaluation"])
    assert schema["controls"]["why"]["visible_when"] == {"control": "harmful", "values": ["Harmful"]}
    schema, _ = convert(TEMPLATES["content_moderation"])
    assert schema["controls"]["reason"]["visible_when"] == {"control": "sentiment", "values": ["Flag as spam"]}
    parsed = parse_schema(convert(TEMPLATES["llm_evaluation"])[0])
    data = {"prompt": "p", "response": "r"}
    # required only while shown: 'why' is hidden until Harmful is chosen
    assert validate_result(parsed, data, {"harmful": "Harmless"}) == {"harmful": "Harmless"}


def test_per_region_controls_answer_per_region():
    schema, warnings = convert(TEMPLATES["per_region_attributes"])
    for name in ("color", "visibility", "passengers"):
        assert schema["controls"][name]["per_region"] is True
        assert schema["controls"][name]["regions_of"] == "label"
    assert schema["controls"]["color"]["visible_when"] == {"control": "label", "values": ["Car"]}
    parsed = parse_schema(schema)
    data = {"image": {"src": "/a.png", "width": 100, "height": 100}}
    box = {"id": "b1", "x": 1, "y": 1, "width": 5, "height": 5, "label": "Car"}
    out = validate_result(parsed, data, {"label": [box], "color": {"b1": "Red"}, "visibility": {"b1": 2}})
    assert out["color"] == {"b1": "Red"} and out["visibility"] == {"b1": 2}
    with pytest.raises(Invalid, match="no such region"):
        validate_result(parsed, data, {"label": [box], "color": {"zz": "Red"}})


def test_ranker_buckets_may_leave_items_out():
    schema = parse_schema(convert(TEMPLATES["search_relevance_buckets"])[0])
    assert [b.name for b in schema.controls["rank"].buckets] == ["relevant", "irrelevant"]
    data = {"query": "q", "items": [{"id": "a", "title": "A", "body": "x"}, {"id": "b", "title": "B", "body": "y"}]}
    assert validate_result(schema, data, {"rank": {"relevant": ["b"]}}) == {"rank": {"relevant": ["b"]}}
    with pytest.raises(Invalid, match="more than one place"):
        validate_result(schema, data, {"rank": {"relevant": ["b"], "irrelevant": ["b"]}})


def test_a_rating_without_to_name_attaches_to_the_object_before_it():
    schema, warnings = convert(TEMPLATES["audio_rating"])
    assert schema["controls"]["rating"] == {"type": "rating", "object": "audio", "max": 5}
    assert warnings == []


def test_every_warning_names_its_tag_and_each_unknown_attribute_separately():
    _, warnings = convert('<View><Text name="t" value="$t"/><Choices name="c" toName="t" perItem="true" '
                          'foo="1"><Choice value="a" selected="true"/></Choices></View>')
    assert '<Choices name="c">: attribute perItem=\'true\': per-item answers' in " ".join(warnings)
    assert any(w.startswith('<Choices name="c">: attribute foo=\'1\'') for w in warnings)
    assert any(w.startswith('<Choice name="">: attribute selected=\'true\': pre-selected') for w in warnings)


def test_per_region_text_answers_for_the_regions_of_every_tool_on_the_object():
    schema, warnings = convert(TEMPLATES["ocr"])
    assert schema["controls"]["transcription"]["regions_of"] == ["bbox", "poly"]
    parsed = parse_schema(schema)
    data = {"ocr": {"src": "/a.png", "width": 100, "height": 100}}
    result = {"bbox": [{"id": "b", "x": 1, "y": 1, "width": 5, "height": 5, "label": "Text"}],
              "poly": [{"id": "p", "points": [[1, 1], [5, 1], [5, 5]], "label": "Text"}],
              "transcription": {"b": "hello", "p": "world"}}
    assert validate_result(parsed, data, result)["transcription"] == {"b": "hello", "p": "world"}
    assert warnings == []


def test_datetime_controls_keep_their_format_and_bounds():
    schema = parse_schema(convert(TEMPLATES["event_dates"])[0])
    when = schema.controls["when"]
    assert (when.format, when.min, when.required) == ("date", "2000-01-01", True)
    data = {"text": "t"}
    assert validate_result(schema, data, {"when": "2024-02-29", "at": "2024-05-01T13:30"})["when"] == "2024-02-29"
    for bad, words in (("2023-02-29", "expects a date"), ("1999-12-31", "before the minimum")):
        with pytest.raises(Invalid, match=words):
            validate_result(schema, data, {"when": bad})
