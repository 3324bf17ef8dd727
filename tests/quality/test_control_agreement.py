"""Agreement on every kind of answer with the measure that fits it, per annotator and per period."""

import numpy as np
import pytest

from labelwise.quality import QualityInputError, krippendorff_alpha
from labelwise.quality.control_agreement import Answer, control_agreement


def answers(table, period="2026-12-01"):
    return [Answer(item, rater, value, period) for item, given in table.items() for rater, value in given.items()]


def test_categories_score_matching_pairs_and_alpha_agrees_with_the_coefficient():
    table = {1: {"a": "x", "b": "x"}, 2: {"a": "y", "b": "y"}, 3: {"a": "x", "b": "y"}, 4: {"a": "y", "b": "y"},
             5: {"a": "x"}}
    found = control_agreement("nominal", answers(table))
    assert (found.value, found.n_items, found.n_pairs) == (0.75, 4, 4)
    codes = {"x": 0, "y": 1}
    rows = [(i, r, codes[v]) for i, given in table.items() if len(given) > 1 for r, v in given.items()]
    items, raters, values = map(np.array, zip(*rows))
    assert found.alpha == pytest.approx(krippendorff_alpha(items, raters, values, level="nominal"))
    assert found.per_rater == {"a": (0.75, 4), "b": (0.75, 4)}


def test_numbers_are_a_distance_with_interval_alpha():
    found = control_agreement("interval", answers({1: {"a": 3, "b": 5}, 2: {"a": 1, "b": 1, "c": 2}}))
    assert found.value == pytest.approx((2 + 0 + 1 + 1) / 4)
    assert found.per_rater["c"] == (1.0, 2) and found.alpha is not None and found.alpha < 1


def test_regions_text_and_sets_each_get_their_own_measure():
    box = {"x": 10, "y": 10, "width": 20, "height": 20, "label": "car"}
    moved = {**box, "x": 25}
    assert control_agreement("boxes", answers({1: {"a": [box], "b": [box]}})).value == 1.0
    assert control_agreement("boxes", answers({1: {"a": [box], "b": [moved]}})).value == 0.0
    span = {"start": 0, "end": 4, "label": "PER"}
    assert control_agreement("spans", answers({1: {"a": [span], "b": [span, {**span, "start": 6, "end": 9}]}})).value \
        == pytest.approx(2 / 3)
    assert control_agreement("text", answers({1: {"a": "Hello world", "b": "hello  world"}})).value == 1.0
    assert control_agreement("text", answers({1: {"a": "abcd", "b": "abcf"}})).value == pytest.approx(0.75)
    assert control_agreement("set", answers({1: {"a": ["x", "y"], "b": ["y", "z"]}})).value == pytest.approx(1 / 3)
    cuboid = {"x": 0, "y": 0, "z": 0, "length": 4, "width": 2, "height": 1.5, "yaw": 0.3, "label": "car"}
    assert control_agreement("cuboids", answers({1: {"a": [cuboid], "b": [{**cuboid, "x": 0.2}]}})).value == 1.0


def test_periods_take_the_later_answer_of_each_pair_and_bad_shapes_fall_back_to_equality():
    rows = [Answer(1, "a", "x", "2026-11-30"), Answer(1, "b", "x", "2026-12-01"),
            Answer(2, "a", "x", "2026-11-29"), Answer(2, "b", "y", "2026-11-30")]
    assert control_agreement("nominal", rows).per_period == {"2026-11-30": (0.0, 1), "2026-12-01": (1.0, 1)}
    odd = control_agreement("boxes", answers({1: {"a": "not boxes", "b": "not boxes"}}))
    assert odd.value == 1.0
    with pytest.raises(QualityInputError, match="unknown kind"):
        control_agreement("vibes", [])
    assert control_agreement("nominal", []).value is None
