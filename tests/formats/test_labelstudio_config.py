import pytest

pytest.importorskip("defusedxml")

from labelwise.errors import Invalid  # noqa: E402
from labelwise.formats.labelstudio_config import convert  # noqa: E402
from labelwise.schema import parse_schema  # noqa: E402

TEXT_CLASSIFICATION = """
<View>
  <Header value="Choose text sentiment:"/>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" showInline="true" required="true">
    <Choice value="Positive" hotkey="1"/>
    <Choice value="Negative" hotkey="2"/>
    <Choice value="Neutral"/>
  </Choices>
</View>
"""

NER_WITH_RELATIONS = """
<View>
  <Relations>
    <Relation value="org:founded_by"/>
    <Relation value="org:founded"/>
  </Relations>
  <Labels name="label" toName="text">
    <Label value="Organization" background="orange"/>
    <Label value="Person" background="#00ff00"/>
    <Label value="Datetime" background="rgba(0, 0, 255, 0.5)"/>
  </Labels>
  <Text name="text" value="$document"/>
</View>
"""

IMAGE_BOXES = """
<View>
  <Image name="image" value="$image" zoom="true" zoomControl="true"/>
  <RectangleLabels name="label" toName="image" canRotate="false">
    <Label value="Airplane" background="green"/>
    <Label value="Car" background="blue"/>
  </RectangleLabels>
</View>
"""

SEGMENTATION = """
<View>
  <Image name="image" value="$image"/>
  <BrushLabels name="tag" toName="image">
    <Label value="Airplane" background="rgba(255, 0, 0, 0.7)"/>
    <Label value="Car" background="rgba(0, 0, 255, 0.7)"/>
  </BrushLabels>
  <PolygonLabels name="poly" toName="image" strokeWidth="3" pointSize="small" opacity="0.9">
    <Label value="Road" background="gray"/>
  </PolygonLabels>
</View>
"""

AUDIO_TRANSCRIPTION = """
<View>
  <Labels name="labels" toName="audio">
    <Label value="Speech"/>
    <Label value="Noise"/>
  </Labels>
  <AudioPlus name="audio" value="$audio"/>
  <TextArea name="transcription" toName="audio" rows="2" editable="true" perRegion="true" required="true"/>
</View>
"""

VIDEO_TRACKING = """
<View>
  <Labels name="videoLabels" toName="video" allowEmpty="true">
    <Label value="Man" background="blue"/>
    <Label value="Woman" background="red"/>
  </Labels>
  <Video name="video" value="$video" framerate="25.0"/>
  <VideoRectangle name="box" toName="video"/>
</View>
"""

TIME_SERIES = """
<View>
  <TimeSeriesLabels name="label" toName="ts">
    <Label value="Run" background="red"/>
    <Label value="Walk" background="green"/>
  </TimeSeriesLabels>
  <TimeSeries name="ts" value="$csv" valueType="url" timeColumn="time">
    <Channel column="velocity"/>
    <Channel column="acceleration"/>
  </TimeSeries>
</View>
"""

LLM_COMPARISON = """
<View>
  <Text name="prompt" value="$prompt"/>
  <List name="answers" value="$items" title="Answers"/>
  <Ranker name="rank" toName="answers"/>
  <Text name="a" value="$answer_a"/>
  <Text name="b" value="$answer_b"/>
  <Pairwise name="pw" toName="a,b"/>
  <Rating name="quality" toName="prompt" maxRating="10" icon="star"/>
  <Number name="confidence" toName="prompt" min="0" max="1" step="0.1"/>
</View>
"""

DIALOGUE = """
<View>
  <ParagraphLabels name="intent" toName="dialogue">
    <Label value="Question"/>
    <Label value="Answer"/>
  </ParagraphLabels>
  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue" nameKey="speaker" textKey="utterance"/>
  <Table name="meta" value="$meta"/>
  <Taxonomy name="topic" toName="dialogue" leafsOnly="true">
    <Choice value="Billing"><Choice value="Refund"/><Choice value="Invoice"/></Choice>
    <Choice value="Shipping"/>
  </Taxonomy>
  <Choices name="tags" toName="dialogue" choice="multiple">
    <Choice value="rude"/><Choice value="helpful"/>
  </Choices>
</View>
"""

ALL_CONFIGS = [TEXT_CLASSIFICATION, NER_WITH_RELATIONS, IMAGE_BOXES, SEGMENTATION, AUDIO_TRANSCRIPTION, VIDEO_TRACKING,
               TIME_SERIES, LLM_COMPARISON, DIALOGUE]


@pytest.mark.parametrize("config", ALL_CONFIGS)
def test_every_converted_config_parses_as_a_schema(config):
    schema, warnings = convert(config)
    parse_schema(schema)
    assert all(isinstance(w, str) for w in warnings)


def test_bytes_are_accepted():
    schema, _ = convert(TEXT_CLASSIFICATION.encode())
    assert "sentiment" in schema["controls"]


def test_text_classification_keeps_options_hotkeys_and_required():
    schema, warnings = convert(TEXT_CLASSIFICATION)
    assert schema == {
        "objects": {"text": {"type": "text"}},
        "controls": {
            "sentiment": {
                "type": "choices",
                "object": "text",
                "required": True,
                "description": "Choose text sentiment:",
                "options": ["Positive", "Negative", "Neutral"],
                "hotkeys": {"Positive": "1", "Negative": "2"},
            }
        },
    }
    assert warnings == []


def test_ner_labels_become_spans_and_relations_keep_their_labels():
    schema, warnings = convert(NER_WITH_RELATIONS)
    assert schema["objects"] == {"text": {"type": "text", "field": "document"}}
    assert schema["controls"]["label"] == {
        "type": "spans",
        "object": "text",
        "labels": ["Organization", "Person", "Datetime"],
        "colors": {"Organization": "orange", "Person": "#00ff00", "Datetime": "#0000ff80"},
    }
    assert schema["controls"]["relations"] == {"type": "relations", "labels": ["org:founded_by", "org:founded"]}
    assert schema["controls"]["label"]["colors"]["Datetime"] == "#0000ff80"  # rgba() becomes #rrggbbaa
    assert warnings == []


def test_rectangle_labels_become_boxes_that_rotate_unless_told_not_to():
    schema, _ = convert(IMAGE_BOXES)
    assert schema["controls"]["label"]["type"] == "boxes"
    assert "rotatable" not in schema["controls"]["label"]
    rotating, _ = convert(IMAGE_BOXES.replace(' canRotate="false"', ""))
    assert rotating["controls"]["label"]["rotatable"] is True


def test_brush_and_polygon_labels_become_masks_and_polygons():
    schema, _ = convert(SEGMENTATION)
    assert schema["controls"]["tag"]["type"] == "masks"
    assert schema["controls"]["poly"] == {"type": "polygons", "object": "image", "labels": ["Road"], "colors": {"Road": "gray"}}


def test_audio_labels_become_segments_and_per_region_textarea_is_kept():
    schema, _ = convert(AUDIO_TRANSCRIPTION)
    assert schema["objects"]["audio"] == {"type": "audio"}
    assert schema["controls"]["labels"]["type"] == "segments"
    assert schema["controls"]["transcription"] == {
        "type": "text", "object": "audio", "required": True, "per_region": True, "regions_of": "labels"
    }


def test_video_rectangle_takes_the_labels_pointing_at_its_video():
    schema, warnings = convert(VIDEO_TRACKING)
    assert "videoLabels" not in schema["controls"]
    assert schema["controls"]["box"] == {
        "type": "tracks", "object": "video", "labels": ["Man", "Woman"], "colors": {"Man": "blue", "Woman": "red"}
    }
    assert [w for w in warnings if "framerate" not in w] == []


def test_time_series_keeps_time_column_and_channels():
    schema, warnings = convert(TIME_SERIES)
    assert schema["objects"]["ts"] == {"type": "timeseries", "field": "csv", "time_key": "time",
                                       "channels": ["velocity", "acceleration"]}
    assert schema["controls"]["label"]["type"] == "segments"
    assert any("CSV URL" in w for w in warnings)


def test_llm_comparison_maps_ranker_pairwise_rating_and_number():
    schema, _ = convert(LLM_COMPARISON)
    assert schema["objects"]["answers"] == {"type": "paragraphs", "field": "items", "author_key": "title",
                                            "text_key": "body"}
    assert schema["controls"]["rank"] == {"type": "ranking", "object": "answers"}
    assert schema["controls"]["pw"] == {"type": "pairwise", "objects": ["a", "b"]}
    assert schema["controls"]["quality"] == {"type": "rating", "object": "prompt", "max": 10}
    assert schema["controls"]["confidence"] == {"type": "number", "object": "prompt", "min": 0.0, "max": 1.0, "step": 0.1}


def test_dialogue_paragraphs_taxonomy_and_multiple_choices():
    schema, _ = convert(DIALOGUE)
    assert schema["objects"]["dialogue"] == {"type": "paragraphs", "author_key": "speaker", "text_key": "utterance"}
    assert schema["objects"]["meta"] == {"type": "table"}
    assert schema["controls"]["intent"]["type"] == "spans"
    assert schema["controls"]["topic"] == {
        "type": "taxonomy", "object": "dialogue", "options": [{"Billing": ["Refund", "Invoice"]}, "Shipping"], "leaf_only": True
    }
    assert schema["controls"]["tags"]["multiple"] is True


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ('<View><Image name="i" value="$i"/><Ellipse name="e" toName="i"/></View>', "ellipses have no labelwise"),
        ('<View><Text name="t" value="$t"/><DateTime name="d" toName="t" only="year,time"/></View>',
         "this combination of parts"),
        ('<View><Text name="t" value="$t"/><Foo name="x"/></View>', "not a Label Studio tag this converter knows"),
        ('<View><Text name="t" value="$t"/><Choices name="c" toName="nope"><Choice value="a"/></Choices></View>',
         "not a supported object"),
        ('<View><Text name="t" value="$t"/><Choices name="c" toName="t"/></View>', "no <Choice> values"),
        ('<View><Text name="t" value="$t"/><Choices name="c" toName="t" visibleWhen="region-selected">'
         '<Choice value="a"/></Choices></View>', "visibleWhen='region-selected': no control"),
        ('<View><Text name="t" value="$t"/><Choices name="c" toName="t" perRegion="true"><Choice value="a"/></Choices></View>',
         "perRegion needs a region control"),
        ('<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="a" alias="A"/></Choices></View>',
         "alias"),
        ('<View><Text name="my text" value="$t"/><Choices name="c" toName="my text"><Choice value="a"/></Choices></View>',
         "renamed to 'my_text'"),
        ('<View><Text name="t" value="$item.text"/><Rating name="r" toName="t"/></View>', "not a plain $variable"),
        ('<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="a"/></Labels>'
         '<TextArea name="n" toName="t" maxSubmissions="3"/></View>', "maxSubmissions"),
        ('<View><Image name="i" value="$i"/><Rectangle name="r" toName="i"/></View>', "single label 'object'"),
        ('<View><Text name="t" value="$t"/><Relations><Relation value="x"/></Relations></View>', "no regions to relate"),
    ],
)
def test_what_cannot_be_converted_is_listed_in_warnings(config, words):
    keep_one = '<Text name="kept" value="$kept"/><Rating name="kept_rating" toName="kept"/></View>'
    schema, warnings = convert(config.replace("</View>", keep_one))
    assert "kept_rating" in schema["controls"]
    assert any(words in w for w in warnings), warnings


def test_rectangle_tool_takes_labels_from_a_labels_tag_on_the_same_image():
    schema, warnings = convert(
        '<View><Image name="i" value="$i"/><Labels name="l" toName="i"><Label value="cat"/></Labels>'
        '<Rectangle name="r" toName="i"/></View>'
    )
    assert schema["controls"] == {"r": {"type": "boxes", "object": "i", "labels": ["cat"], "rotatable": True}}
    assert warnings == []


@pytest.mark.parametrize(
    "config",
    [
        "<View><Text name='t' value='$t'></View>",
        "not xml at all",
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><View>&lol2;</View>',
        '<!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]><View><Text name="t" value="&x;"/></View>',
    ],
)
def test_bad_or_dangerous_xml_raises_invalid(config):
    with pytest.raises(Invalid) as caught:
        convert(config)
    assert caught.value.field == "config"


def test_a_config_with_nothing_convertible_raises_invalid_listing_what_was_lost():
    with pytest.raises(Invalid) as caught:
        convert('<View><Text name="t" value="$t"/><Ellipse name="e" toName="t"/></View>')
    assert "'controls' is empty" in caught.value.message
    assert "Ellipse is not supported: ellipses have no labelwise region type" in caught.value.message
