import copy

import pytest

from labelwise.errors import Invalid
from labelwise.schema import parse_schema, validate_result

TEXT = "Alice works at ACME in Paris."  # 29 characters

SCHEMA = parse_schema(
    {
        "objects": {
            "review": {"type": "text"},
            "photo": {"type": "image"},
            "clip": {"type": "audio"},
            "movie": {"type": "video"},
            "sensor": {"type": "timeseries"},
            "chat": {"type": "paragraphs"},
            "scan": {"type": "pdf"},
            "left": {"type": "text"},
            "right": {"type": "text"},
        },
        "controls": {
            "sentiment": {"type": "choices", "object": "review", "options": ["pos", "neg"]},
            "topics": {"type": "choices", "object": "review", "options": ["a", "b", "c"], "multiple": True, "max": 2},
            "animal": {"type": "taxonomy", "object": "review", "options": [{"Animal": ["Cat", "Dog"]}, "Plant"]},
            "entities": {"type": "spans", "object": "review", "labels": ["PER", "ORG", "LOC"]},
            "tokens": {"type": "spans", "object": "review", "labels": ["W"], "allow_overlap": False},
            "turns": {"type": "spans", "object": "chat", "labels": ["Q"]},
            "links": {"type": "relations", "controls": ["entities"], "labels": ["works_for", "in"]},
            "cars": {"type": "boxes", "object": "photo", "labels": ["car"]},
            "tilted": {"type": "boxes", "object": "photo", "labels": ["car"], "rotatable": True},
            "fields": {"type": "boxes", "object": "scan", "labels": ["signature"]},
            "frames": {"type": "boxes", "object": "movie", "labels": ["ball"]},
            "shapes": {"type": "polygons", "object": "photo", "labels": ["road"]},
            "lanes": {"type": "polylines", "object": "photo", "labels": ["lane"]},
            "pose": {"type": "keypoints", "object": "photo", "labels": ["person"], "points": ["head", "hand", "foot"],
                     "skeleton": [["head", "hand"], ["head", "foot"]]},
            "paint": {"type": "masks", "object": "photo", "labels": ["sky"]},
            "speech": {"type": "segments", "object": "clip", "labels": ["speech"]},
            "calm": {"type": "segments", "object": "clip", "labels": ["calm"], "allow_overlap": False},
            "spikes": {"type": "segments", "object": "sensor", "labels": ["spike"]},
            "players": {"type": "tracks", "object": "movie", "labels": ["player"]},
            "caption": {"type": "text", "object": "photo", "max_length": 20},
            "transcript": {"type": "text", "object": "clip", "per_region": True, "regions_of": "speech"},
            "quality": {"type": "rating", "object": "review"},
            "age": {"type": "number", "object": "review", "min": 0, "max": 120, "integer": True},
            "weight": {"type": "number", "object": "review", "min": 0, "step": 0.5},
            "order": {"type": "ranking", "object": "chat"},
            "better": {"type": "pairwise", "objects": ["left", "right"], "allow_tie": False},
        },
    }
)

DATA = {
    "review": TEXT,
    "photo": {"src": "https://x/p.jpg", "width": 640, "height": 480},
    "clip": {"src": "https://x/a.mp3", "duration": 10.0},
    "movie": {"src": "https://x/v.mp4", "frames": 100, "frame_rate": 25, "width": 320, "height": 240},
    "sensor": {"time": [0, 1, 2, 3, 4], "temp": [1, 2, 3, 2, 1]},
    "chat": [{"id": "m1", "author": "bot", "text": "Hello there"}, {"id": "m2", "text": "Hi"}],
    "scan": ["https://x/p1.png", {"src": "https://x/p2.png", "width": 100, "height": 100}],
    "left": "answer one",
    "right": "answer two",
}

GOOD = {
    "sentiment": "pos",
    "topics": ["c", "a"],
    "animal": [["Animal", "Cat"], ["Plant"]],
    "entities": [
        {"id": "e1", "start": 0, "end": 5, "label": "PER", "text": "Alice"},
        {"id": "e2", "start": 15, "end": 19, "label": "ORG", "score": 0.9},
        {"id": "e3", "start": 0, "end": 11, "label": "LOC"},
    ],
    "tokens": [{"start": 0, "end": 5, "label": "W"}, {"start": 5, "end": 11, "label": "W"}],
    "turns": [{"start": 0, "end": 5, "label": "Q", "paragraph": 0}],
    "links": [{"from": "e1", "to": "e2", "label": "works_for"}],
    "cars": [{"id": "b1", "x": 10, "y": 20, "width": 100, "height": 50.5, "label": "car"}],
    "tilted": [{"x": 100, "y": 100, "width": 50, "height": 20, "rotation": 390, "label": "car"}],
    "fields": [{"x": 0, "y": 0, "width": 100, "height": 100, "label": "signature", "page": 1},
               {"x": 5000, "y": 5000, "width": 10, "height": 10, "label": "signature", "page": 0}],
    "frames": [{"x": 1, "y": 1, "width": 5, "height": 5, "label": "ball", "frame": 99}],
    "shapes": [{"points": [[0, 0], [640, 0], [320.5, 480]], "label": "road"}],
    "lanes": [{"points": [[1, 1], [2, 2]], "label": "lane"}],
    "pose": [{"points": [[10, 10, 2], [20, 20], [0, 0, 0]], "label": "person"}],
    "paint": [{"rle": {"size": [480, 640], "counts": [0, 307200]}, "label": "sky"}],
    "speech": [{"id": "s1", "start": 0, "end": 2.5, "label": "speech"}, {"id": "s2", "start": 2, "end": 10, "label": "speech"}],
    "calm": [{"start": 0, "end": 1, "label": "calm"}, {"start": 1, "end": 2, "label": "calm"}],
    "spikes": [{"start": 0.5, "end": 4, "label": "spike"}],
    "players": [{"label": "player", "keyframes": [
        {"frame": 0, "x": 1, "y": 1, "width": 10, "height": 10},
        {"frame": 50, "x": 5, "y": 5, "width": 10, "height": 10, "visible": False}]}],
    "caption": "a car",
    "transcript": {"s1": "hello", "s2": "world"},
    "quality": 4,
    "age": 42.0,
    "weight": 2.5,
    "order": ["m2", "m1"],
    "better": "b",
}


def _check(result: dict, data: dict = DATA) -> dict:
    return validate_result(SCHEMA, data, result)


def _with(**changes) -> dict:
    result = copy.deepcopy(GOOD)
    result.update(changes)
    return result


def test_a_full_valid_result_passes():
    out = _check(GOOD)
    assert set(out) == set(GOOD)


def test_input_is_not_modified():
    result = copy.deepcopy(GOOD)
    _check(result)
    assert result == GOOD


@pytest.mark.parametrize("control", list(GOOD))
def test_each_control_alone_passes(control):
    needs = {"links": ["entities"], "transcript": ["speech"]}
    result = {name: GOOD[name] for name in [*needs.get(control, []), control]}
    assert control in _check(result)


def test_missing_region_ids_are_generated_as_uuid_hex():
    out = _check({"cars": [{"x": 1, "y": 1, "width": 2, "height": 2, "label": "car"}]})
    region_id = out["cars"][0]["id"]
    assert len(region_id) == 32 and int(region_id, 16) >= 0


def test_given_region_ids_are_kept():
    assert _check({"entities": GOOD["entities"]})["entities"][0]["id"] == "e1"


def test_boxes_get_rotation_zero_and_rotation_is_normalised():
    out = _check({"cars": GOOD["cars"], "tilted": GOOD["tilted"]})
    assert out["cars"][0]["rotation"] == 0
    assert out["tilted"][0]["rotation"] == 30


def test_keypoints_without_visibility_become_visible():
    assert _check({"pose": GOOD["pose"]})["pose"][0]["points"][1] == [20, 20, 2]


def test_track_keyframes_default_to_visible():
    keyframes = _check({"players": GOOD["players"]})["players"][0]["keyframes"]
    assert [k["visible"] for k in keyframes] == [True, False]


def test_integer_numbers_come_back_as_int():
    assert _check({"age": 42.0, "quality": 3.0}) == {"age": 42, "quality": 3}


def test_null_values_count_as_unanswered_and_are_dropped():
    assert _check({"sentiment": None, "quality": 2}) == {"quality": 2}


def test_empty_result_is_valid_when_nothing_is_required():
    assert _check({}) == {}


def test_empty_result_is_invalid_when_a_control_is_required():
    schema = parse_schema({"objects": {"t": {"type": "text"}},
                           "controls": {"c": {"type": "choices", "object": "t", "options": ["a"], "required": True}}})
    with pytest.raises(Invalid) as caught:
        validate_result(schema, {"t": "x"}, {})
    assert caught.value.field == "result.c"
    assert "required" in caught.value.message


@pytest.mark.parametrize("empty", [[], "", "   "])
def test_required_control_with_an_empty_answer_is_missing(empty):
    schema = parse_schema({"objects": {"t": {"type": "text"}}, "controls": {
        "s": {"type": "spans", "object": "t", "labels": ["a"], "required": True},
        "n": {"type": "text", "object": "t", "required": True}}})
    answer = {"s": empty} if isinstance(empty, list) else {"s": [{"start": 0, "end": 1, "label": "a"}], "n": empty}
    with pytest.raises(Invalid) as caught:
        validate_result(schema, {"t": "xyz"}, answer)
    assert "required" in caught.value.message


def test_span_offsets_count_code_points_not_utf16_units():
    schema = parse_schema({"objects": {"t": {"type": "text"}}, "controls": {"s": {"type": "spans", "object": "t", "labels": ["e"]}}})
    out = validate_result(schema, {"t": "a😀b"}, {"s": [{"start": 1, "end": 3, "label": "e", "text": "😀b"}]})
    assert out["s"][0]["end"] == 3
    with pytest.raises(Invalid):
        validate_result(schema, {"t": "a😀b"}, {"s": [{"start": 1, "end": 4, "label": "e"}]})


def test_compressed_rle_from_pycocotools_passes():
    mask_utils = pytest.importorskip("pycocotools.mask")
    import numpy as np

    pixels = np.zeros((480, 640), dtype=np.uint8, order="F")
    pixels[100:200, 50:300] = 1
    rle = mask_utils.encode(pixels)
    counts = rle["counts"].decode()
    out = _check({"paint": [{"rle": {"size": [480, 640], "counts": counts}, "label": "sky"}]})
    assert out["paint"][0]["rle"] == {"size": [480, 640], "counts": counts}


def _region(control: str, index: int = 0, **changes) -> dict:
    result = {control: copy.deepcopy(GOOD[control])}
    result[control][index].update(changes)
    return result


BAD = [
    # (result, data changes, field, words)
    ({"sentimnet": "pos"}, {}, "result.sentimnet", "unknown control 'sentimnet'"),
    ({"sentiment": "meh"}, {}, "result.sentiment", "unknown choice 'meh'"),
    ({"sentiment": ["pos"]}, {}, "result.sentiment", "multiple is false"),
    ({"sentiment": 1}, {}, "result.sentiment", "unknown choice 1"),
    ({"topics": "a"}, {}, "result.topics", "a list of choices"),
    ({"topics": ["a", "a"]}, {}, "result.topics[1]", "twice"),
    ({"topics": ["a", "b", "c"]}, {}, "result.topics", "at most 2"),
    ({"topics": ["z"]}, {}, "result.topics[0]", "unknown choice 'z'"),
    ({"animal": [["Animal", "Bird"]]}, {}, "result.animal[0]", "not in the taxonomy"),
    ({"animal": [["Cat"]]}, {}, "result.animal[0]", "not in the taxonomy"),
    ({"animal": ["Animal"]}, {}, "result.animal[0]", "non-empty list"),
    ({"animal": [["Plant"], ["Plant"]]}, {}, "result.animal[1]", "twice"),
    (_region("entities", 1, label="PERSON"), {}, "result.entities[1].label", "unknown label 'PERSON'"),
    (_region("entities", 1, start=10, end=10), {}, "result.entities[1].end", "end must be after the start"),
    (_region("entities", 1, start=-1), {}, "result.entities[1].start", "before the start"),
    (_region("entities", 2, end=120), {}, "result.entities[2].end",
     "control 'entities': span 2 ends at 120, past the end of the text (29 characters)"),
    (_region("entities", 0, start=1.5), {}, "result.entities[0].start", "whole number"),
    (_region("entities", 0, text="Alicia"), {}, "result.entities[0].text", "says its text is 'Alicia'"),
    (_region("entities", 0, colour="red"), {}, "result.entities[0].colour", "unknown key 'colour'"),
    (_region("entities", 0, score=2), {}, "result.entities[0].score", "0 to 1"),
    ({"entities": [{"start": 0, "label": "PER"}]}, {}, "result.entities[0].end", "no 'end'"),
    ({"entities": [{"start": 0, "end": 1, "label": "PER"}]}, {"review": None}, "data.review", "no text"),
    ({"entities": "Alice"}, {}, "result.entities", "a list of regions"),
    ({"tokens": [{"start": 0, "end": 5, "label": "W"}, {"start": 4, "end": 8, "label": "W"}]}, {}, "result.tokens[1]",
     "overlap"),
    (_region("turns", 0, paragraph=5), {}, "result.turns[0].paragraph", "does not exist"),
    (_region("turns", 0, end=12), {}, "result.turns[0].end", "11 characters"),
    ({"entities": GOOD["entities"], "links": [{"from": "e1", "to": "zz", "label": "in"}]}, {}, "result.links[0].to",
     "region 'zz', which is not in this result"),
    ({"entities": GOOD["entities"], "links": [{"from": "e1", "to": "e1", "label": "in"}]}, {}, "result.links[0].to", "itself"),
    ({"entities": GOOD["entities"], "links": [{"from": "e1", "to": "e2", "label": "owns"}]}, {}, "result.links[0].label",
     "unknown label 'owns'"),
    # Label Studio lets a relation go without a label, and keeps its direction
    ({"entities": GOOD["entities"], "links": [{"from": "e1", "to": "e2", "direction": "bi"}]}, {}, None, None),
    ({"entities": GOOD["entities"], "links": [{"from": "e1", "to": "e2", "direction": "up"}]}, {},
     "result.links[0].direction", "right, left or bi"),
    ({"entities": GOOD["entities"], "links": [{"from": "e1", "to": "e2", "label": "in"}] * 2}, {}, "result.links[1]",
     "repeats"),
    ({"entities": GOOD["entities"], "cars": GOOD["cars"], "links": [{"from": "e1", "to": "b1", "label": "in"}]}, {},
     "result.links[0].to", "does not connect"),
    ({"entities": GOOD["entities"], "cars": [{**GOOD["cars"][0], "id": "e1"}]}, {}, "result.cars[0].id", "already used"),
    (_region("entities", 1, id="e1"), {}, "result.entities[1].id", "already used"),
    (_region("entities", 1, id=7), {}, "result.entities[1].id", "non-empty strings"),
    (_region("cars", 0, x=600), {}, "result.cars[0].width", "extends past the image (640x480)"),
    (_region("cars", 0, y=-1), {}, "result.cars[0].y", "negative"),
    (_region("cars", 0, width=0), {}, "result.cars[0].width", "positive width"),
    (_region("cars", 0, height=-5), {}, "result.cars[0].height", "positive width"),
    (_region("cars", 0, rotation=45), {}, "result.cars[0].rotation", "does not allow rotation"),
    (_region("cars", 0, x="10"), {}, "result.cars[0].x", "must be a number"),
    (_region("tilted", 0, x=0, y=0, rotation=180), {}, "result.tilted[0].rotation", "outside the image"),
    (_region("fields", 1, page=2), {}, "result.fields[1].page", "the document has 2 pages"),
    (_region("fields", 0, x=50), {}, "result.fields[0].width", "100x100"),
    ({"fields": [{"x": 0, "y": 0, "width": 1, "height": 1, "label": "signature"}]}, {}, "result.fields[0].page", "no 'page'"),
    (_region("frames", 0, frame=100), {}, "result.frames[0].frame", "100 frames"),
    (_region("frames", 0, x=318), {}, "result.frames[0].width", "320x240"),
    (_region("shapes", 0, points=[[0, 0], [1, 1]]), {}, "result.shapes[0].points", "at least 3"),
    (_region("shapes", 0, points=[[0, 0], [1, 1], [700, 1]]), {}, "result.shapes[0].points[2]", "outside the image"),
    (_region("shapes", 0, points=[[0, 0], [1, 1], [1]]), {}, "result.shapes[0].points[2]", "[x, y]"),
    (_region("lanes", 0, points=[[0, 0]]), {}, "result.lanes[0].points", "at least 2"),
    (_region("pose", 0, points=[[1, 1, 2], [2, 2, 2]]), {}, "result.pose[0].points",
     "has 2 points; the schema's skeleton has 3 (head, hand, foot)"),
    (_region("pose", 0, points=[[1, 1, 2], [2, 2, 3], [3, 3, 2]]), {}, "result.pose[0].points[1]", "visibility"),
    (_region("pose", 0, points=[[1, 1, 2], [2, 2, True], [3, 3, 2]]), {}, "result.pose[0].points[1]", "visibility"),
    (_region("pose", 0, points=[[1, 1, 2], [2, 2, 1], [3, 900, 1]]), {}, "result.pose[0].points[2]", "outside"),
    (_region("paint", 0, rle={"size": [480, 640], "counts": [0, 100]}), {}, "result.paint[0].rle.counts",
     "cover 100 pixels but the mask has 307200"),
    (_region("paint", 0, rle={"size": [480, 640], "counts": [0, -1, 307201]}), {}, "result.paint[0].rle.counts",
     "whole numbers"),
    (_region("paint", 0, rle={"size": [48, 64], "counts": [3072]}), {}, "result.paint[0].rle.size", "image is 480x640"),
    (_region("paint", 0, rle={"size": [4, 5], "counts": "5220003"}), {"photo": "https://x/p.jpg"}, None, None),
    (_region("paint", 0, rle={"size": [4, 5], "counts": "522000"}), {"photo": "https://x/p.jpg"},
     "result.paint[0].rle.counts", "cover 15 pixels but the mask has 20"),
    (_region("paint", 0, rle={"size": [4, 5], "counts": "52200 3"}), {"photo": "https://x/p.jpg"},
     "result.paint[0].rle.counts", "not a valid compressed"),
    (_region("paint", 0, rle={"size": [4, 5], "counts": "5h"}), {"photo": "https://x/p.jpg"},
     "result.paint[0].rle.counts", "not a valid compressed"),
    (_region("paint", 0, rle={"size": [4, 5]}), {}, "result.paint[0].rle.counts", "no 'counts'"),
    (_region("paint", 0, rle={"size": [0, 5], "counts": []}), {}, "result.paint[0].rle.size", "[height, width]"),
    (_region("speech", 1, end=10.5), {}, "result.speech[1].end", "past the end (10)"),
    (_region("speech", 0, start=3, end=3), {}, "result.speech[0].end", "end must be after the start"),
    (_region("speech", 0, start=-0.1), {}, "result.speech[0].start", "before the start"),
    ({"calm": [{"start": 0, "end": 2, "label": "calm"}, {"start": 1, "end": 3, "label": "calm"}]}, {},
     "result.calm[1]", "overlap"),
    (_region("spikes", 0, end=4.5), {}, "result.spikes[0].end", "past the end (4)"),
    ({"players": [{"label": "player", "keyframes": []}]}, {}, "result.players[0].keyframes", "non-empty"),
    ({"players": [{"label": "player", "keyframes": [{"frame": 5, "x": 0, "y": 0, "width": 1, "height": 1},
                                                    {"frame": 2, "x": 0, "y": 0, "width": 1, "height": 1}]}]}, {},
     "result.players[0].keyframes[1].frame", "not in frame order"),
    ({"players": [{"label": "player", "keyframes": [{"frame": 5, "x": 0, "y": 0, "width": 1, "height": 1},
                                                    {"frame": 5, "x": 0, "y": 0, "width": 1, "height": 1}]}]}, {},
     "result.players[0].keyframes[1].frame", "two keyframes at frame 5"),
    ({"players": [{"label": "player", "keyframes": [{"frame": 100, "x": 0, "y": 0, "width": 1, "height": 1}]}]}, {},
     "result.players[0].keyframes[0].frame", "past the video's 100 frames"),
    ({"players": [{"label": "player", "keyframes": [{"frame": 1, "x": 315, "y": 0, "width": 10, "height": 1}]}]}, {},
     "result.players[0].keyframes[0].width", "320x240"),
    ({"players": [{"label": "player", "keyframes": [{"frame": 1, "x": 0, "y": 0, "width": 1, "height": 1,
                                                     "visible": "yes"}]}]}, {},
     "result.players[0].keyframes[0].visible", "true or false"),
    ({"caption": 5}, {}, "result.caption", "expects text"),
    ({"caption": "x" * 21}, {}, "result.caption", "over the limit of 20"),
    ({"speech": GOOD["speech"], "transcript": {"s9": "x"}}, {}, "result.transcript.s9", "no such region"),
    ({"speech": GOOD["speech"], "transcript": "x"}, {}, "result.transcript", "region id to text"),
    ({"quality": 6}, {}, "result.quality", "outside 1..5"),
    ({"quality": 0}, {}, "result.quality", "outside 1..5"),
    ({"quality": 2.5}, {}, "result.quality", "whole number"),
    ({"quality": True}, {}, "result.quality", "whole number"),
    ({"age": 121}, {}, "result.age", "above the maximum 120"),
    ({"age": -1}, {}, "result.age", "below the minimum 0"),
    ({"age": 4.5}, {}, "result.age", "not an integer"),
    ({"age": "4"}, {}, "result.age", "expects a number"),
    ({"weight": 0.7}, {}, "result.weight", "multiple of the step 0.5"),
    ({"order": ["m1"]}, {}, "result.order", "leaves out 'm2'"),
    ({"order": ["m1", "m1"]}, {}, "result.order[1]", "ranked twice"),
    ({"order": ["m1", "m2", "m3"]}, {}, "result.order[2]", "not one of the task's items"),
    ({"order": ["m1", "m2"]}, {"chat": None}, "data.chat", "no items"),
    ({"better": "tie"}, {}, "result.better", "'a', 'b'"),
    ({"better": "left"}, {}, "result.better", "'a', 'b'"),
]


@pytest.mark.parametrize(("result", "data_changes", "field", "words"), BAD)
def test_bad_result_raises_invalid_naming_the_field(result, data_changes, field, words):
    data = {**DATA, **data_changes}
    if field is None:  # a control case that must pass
        _check(result, data)
        return
    with pytest.raises(Invalid) as caught:
        _check(result, data)
    assert caught.value.field == field
    assert words in caught.value.message


@pytest.mark.parametrize("result", [[], "x", None])
def test_result_must_be_an_object(result):
    with pytest.raises(Invalid) as caught:
        validate_result(SCHEMA, DATA, result)
    assert caught.value.field == "result"


def test_data_must_be_an_object():
    with pytest.raises(Invalid) as caught:
        validate_result(SCHEMA, [], {})
    assert caught.value.field == "data"


def test_error_messages_name_the_control():
    with pytest.raises(Invalid) as caught:
        _check({"sentiment": "meh"})
    assert caught.value.message.startswith("control 'sentiment':")


def test_boxes_are_not_bounds_checked_when_the_image_size_is_unknown():
    out = _check({"cars": [{"x": 5000, "y": 5000, "width": 10, "height": 10, "label": "car"}]}, {**DATA, "photo": "https://x/p.jpg"})
    assert out["cars"][0]["x"] == 5000


def test_segments_are_not_bounds_checked_when_the_duration_is_unknown():
    out = _check({"speech": [{"start": 0, "end": 99, "label": "speech"}]}, {**DATA, "clip": "https://x/a.mp3"})
    assert out["speech"][0]["end"] == 99


def test_ranking_items_without_ids_are_numbered_from_zero():
    assert _check({"order": ["1", "0"]}, {**DATA, "chat": ["first", "second"]})["order"] == ["1", "0"]
