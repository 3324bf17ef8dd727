"""Regions on a medical volume: masks, boxes and measurements sit on an axial slice inside the volume."""

import numpy as np
import pytest

from labelwise.errors import Invalid
from labelwise.schema.volume_masks import encode_slice
from labelwise.schema import parse_schema, validate_result
from tests.dicom_helpers import DICOM_SCHEMA

SCHEMA = parse_schema(DICOM_SCHEMA)
DATA = {"scan": {"src": "/api/v1/media/1/" + "a" * 64 + ".npz", "width": 32, "height": 24, "slices": 8,
                 "spacing": [0.8, 0.7, 2.5], "modality": "CT", "window": [40, 400]}}


def mask(**changes) -> dict:
    plane = np.zeros((24, 32), bool)
    plane[5:9, 10:20] = True
    return {"label": "liver", "slice": 3, "rle": encode_slice(plane), **changes}


def test_a_mask_on_a_slice_is_kept_with_its_slice():
    [kept] = validate_result(SCHEMA, DATA, {"organs": [mask()]})["organs"]
    assert kept["slice"] == 3 and kept["rle"]["size"] == [24, 32]


@pytest.mark.parametrize("changes, words, field", [
    ({"slice": 8}, "slice 8 is outside the volume (it has 8 slices, 0 to 7)", "organs[0].slice"),
    ({"slice": -1}, "slice must be a whole number from 0", "organs[0].slice"),
    ({"rle": {"size": [32, 32], "counts": [1024]}}, "mask 0 is 32x32 but the image is 24x32", "organs[0].rle.size"),
])
def test_a_mask_outside_the_volume_is_refused(changes, words, field):
    with pytest.raises(Invalid, match=words.replace("(", r"\(").replace(")", r"\)")) as caught:
        validate_result(SCHEMA, DATA, {"organs": [mask(**changes)]})
    assert caught.value.field.endswith(field)


def test_a_region_without_its_slice_is_refused():
    with pytest.raises(Invalid, match="slice"):
        validate_result(SCHEMA, DATA, {"findings": [{"label": "nodule", "x": 1, "y": 1, "width": 3, "height": 3}]})


def test_a_measurement_gets_its_length_in_millimetres_from_the_spacing():
    line = {"label": "diameter", "slice": 2, "points": [[0, 0], [3, 4]]}
    [kept] = validate_result(SCHEMA, DATA, {"lengths": [line]})["lengths"]
    assert kept["length_mm"] == pytest.approx(np.hypot(3 * 0.8, 4 * 0.7), abs=1e-3)
    with pytest.raises(Invalid, match="extends past|outside"):
        validate_result(SCHEMA, DATA, {"lengths": [{**line, "points": [[0, 0], [40, 4]]}]})


def test_boxes_are_checked_against_the_slice_size_and_study_choices_work():
    box = {"label": "nodule", "slice": 7, "x": 20, "y": 10, "width": 12, "height": 5}
    result = validate_result(SCHEMA, DATA, {"findings": [box], "study": "abnormal"})
    assert result["findings"][0]["slice"] == 7 and result["study"] == "abnormal"
    with pytest.raises(Invalid, match="extends past the image"):
        validate_result(SCHEMA, DATA, {"findings": [{**box, "x": 21}]})
