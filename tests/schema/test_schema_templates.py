import pytest

from labelwise.schema import TEMPLATES, parse_schema, validate_result

EXPECTED = {
    "text_classification",
    "multi_label",
    "ner_relations",
    "image_boxes",
    "image_segmentation",
    "keypoints",
    "audio_transcription",
    "video_tracking",
    "timeseries_segments",
    "llm_comparison",
    "llm_chat_evaluation",
    "preference_rlhf",
    "document_form",
    "lidar_cuboids",
    "ct_segmentation",
}


def test_every_ui_template_is_offered():
    assert set(TEMPLATES) == EXPECTED


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_has_a_title_and_description(name):
    template = TEMPLATES[name]
    assert template["title"].strip() and template["description"].strip()


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_schema_parses_and_round_trips(name):
    schema = parse_schema(TEMPLATES[name]["schema"])
    assert parse_schema(schema.to_dict()) == schema


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_example_result_is_valid(name):
    schema = parse_schema(TEMPLATES[name]["schema"])
    example = TEMPLATES[name]["example"]
    assert validate_result(schema, example["data"], example["result"]) == example["result"]
