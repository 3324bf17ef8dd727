"""Span, box, polygon and free-text agreement: hand-worked cases, raster checks, bad input."""

import math
import random

import numpy as np
import pytest

from labelwise.quality import spatial_agreement
from labelwise.quality.errors import QualityInputError
from labelwise.quality.spatial_agreement import (
    MatchScore,
    box_agreement,
    box_corners,
    box_f1,
    box_iou,
    edit_similarity,
    polygon_agreement,
    polygon_f1,
    polygon_iou,
    span_agreement,
    span_f1,
    text_agreement,
)

SQUARE = [[0, 0], [2, 0], [2, 2], [0, 2]]
L_SHAPE = [[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]]  # area 3


def levenshtein_reference(a, b):
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def raster_iou(p, q, n=700):
    """IoU by even-odd point-in-polygon on an n x n grid of cell centres."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    lo = np.minimum(p.min(0), q.min(0))
    hi = np.maximum(p.max(0), q.max(0))
    xs = lo[0] + (np.arange(n) + 0.5) * (hi[0] - lo[0]) / n
    ys = lo[1] + (np.arange(n) + 0.5) * (hi[1] - lo[1]) / n
    x, y = np.meshgrid(xs, ys)

    def inside(poly):
        result = np.zeros(x.shape, bool)
        for (x1, y1), (x2, y2) in zip(poly, np.roll(poly, -1, axis=0)):
            crosses = (y1 > y) != (y2 > y)
            with np.errstate(divide="ignore", invalid="ignore"):
                at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            result ^= crosses & (x < at)
        return result

    a, b = inside(p), inside(q)
    return (a & b).sum() / (a | b).sum()


def star(rng, cx, cy, n=9):
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = rng.uniform(0.3, 1.0, n)
    return np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)])


class TestSpans:
    def test_exact_and_overlap_match(self):
        a = [(0, 5, "PER"), (6, 9, "ORG"), (12, 14, "LOC")]
        b = [(0, 5, "PER"), (6, 10, "ORG"), (12, 14, "PER")]
        assert span_f1(a, b) == MatchScore(1, 3, 3)
        assert span_f1(a, b, match="overlap") == MatchScore(2, 3, 3)
        assert span_f1(a, b, match="overlap").f1 == pytest.approx(2 / 3)

    def test_overlap_matching_is_one_to_one_and_maximal(self):
        # greedy by overlap would pair (0, 10) with (2, 10) and leave (0, 3) unmatched
        a = [(0, 10, "X"), (0, 3, "X")]
        b = [(2, 10, "X")]
        assert span_f1(a, b, match="overlap").matched == 1
        a = [(0, 10, "X"), (8, 12, "X")]
        b = [(2, 10, "X"), (11, 12, "X")]
        assert span_f1(a, b, match="overlap").matched == 2

    def test_touching_spans_do_not_overlap_end_is_exclusive(self):
        assert span_f1([(0, 5, "X")], [(5, 9, "X")], match="overlap").matched == 0

    def test_duplicates_count_once_each(self):
        assert span_f1([(0, 1, "X"), (0, 1, "X")], [(0, 1, "X")]) == MatchScore(1, 2, 1)

    def test_empty_answers(self):
        both_empty = span_f1([], [])
        assert (both_empty.precision, both_empty.recall, both_empty.f1) == (1.0, 1.0, 1.0)
        one_empty = span_f1([(0, 1, "X")], [])
        assert (one_empty.precision, one_empty.recall, one_empty.f1) == (0.0, 0.0, 0.0)

    def test_pairwise_agreement_micro_averages_shared_items(self):
        annotations = {
            "t1": {"ann": [(0, 5, "PER")], "bob": [(0, 5, "PER")], "cy": []},
            "t2": {"ann": [(1, 2, "X"), (4, 6, "Y")], "bob": [(1, 3, "X")]},
        }
        result = span_agreement(annotations)
        assert list(result.raters) == ["ann", "bob", "cy"]
        # ann-bob: 1 match of (1 + 2) and (1 + 1) spans -> 2 / 5
        assert result.matrix[0, 1] == pytest.approx(2 / 5)
        assert result.matrix[0, 2] == 0.0 and result.n_shared[0, 2] == 1
        assert result.n_shared[0, 1] == 2 and result.n_shared[0, 0] == 2
        assert result.mean == pytest.approx((2 / 5 + 0 + 0) / 3)
        overlap = span_agreement(annotations, match="overlap")
        assert overlap.matrix[0, 1] == pytest.approx(4 / 5)

    def test_bad_spans(self):
        with pytest.raises(QualityInputError, match="start <= end"):
            span_f1([(5, 2, "X")], [])
        with pytest.raises(QualityInputError, match="start, end, label"):
            span_f1([(5, 2)], [])
        with pytest.raises(QualityInputError, match="'exact' or 'overlap'"):
            span_f1([], [], match="fuzzy")


class TestBoxes:
    def test_axis_aligned_iou(self):
        assert box_iou((0, 0, 2, 2), (1, 1, 2, 2)) == pytest.approx(1 / 7)
        assert box_iou((0, 0, 2, 2), (0, 0, 2, 2)) == 1.0
        assert box_iou((0, 0, 1, 1), (5, 5, 1, 1)) == 0.0
        assert box_iou((0, 0, 0, 3), (0, 0, 0, 3)) == 0.0  # zero area: documented 0

    def test_rotation_is_clockwise_about_the_top_left_corner(self):
        corners = box_corners(10, 10, 4, 2, 90)
        assert corners == pytest.approx(np.array([[10, 10], [10, 14], [8, 14], [8, 10]]))

    def test_rotated_iou(self):
        # the same box rotated by 90 degrees about its centre: a square -> IoU 1
        side = 2.0
        centred = (1 - math.sqrt(2) * math.cos(math.radians(45 + 90)), 1 - math.sqrt(2) * math.sin(math.radians(135)))
        assert box_iou((0, 0, side, side), (*centred, side, side, 90)) == pytest.approx(1.0)
        # a 2x2 square and the same square turned 45 degrees about its centre
        c = 1 - math.sqrt(2) * math.cos(math.radians(90)), 1 - math.sqrt(2) * math.sin(math.radians(90))
        inter = 4 * (math.sqrt(2) - 1) * 2  # regular octagon of inradius 1
        assert box_iou((0, 0, 2, 2), (*c, 2, 2, 45)) == pytest.approx(inter / (8 - inter))

    @pytest.mark.parametrize("seed", range(5))
    def test_rotated_iou_matches_a_raster(self, seed):
        rng = np.random.default_rng(seed)
        a = (rng.uniform(0, 2), rng.uniform(0, 2), rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(0, 360))
        b = (rng.uniform(0, 2), rng.uniform(0, 2), rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(0, 360))
        expected = raster_iou(box_corners(*a), box_corners(*b))
        assert box_iou(a, b) == pytest.approx(expected, abs=5e-3)

    def test_matching_needs_same_label_and_threshold(self):
        a = [(0, 0, 10, 10, "car"), (20, 20, 5, 5, "person"), (40, 40, 4, 4, "car")]
        b = [(1, 1, 10, 10, "car"), (20, 20, 5, 5, "car"), (42, 40, 4, 4, "car")]
        score = box_f1(a, b)  # IoU(third pair) = 2/6 < 0.5
        assert score == MatchScore(1, 3, 3)
        assert box_f1(a, b, iou_threshold=0.3).matched == 2

    def test_matching_maximises_the_number_of_matches(self):
        a = [(0, 0, 10, 10, "x"), (6, 0, 10, 10, "x")]
        b = [(3, 0, 10, 10, "x")]
        assert box_f1(a, b).matched == 1
        b = [(3, 0, 10, 10, "x"), (8, 0, 10, 10, "x")]
        assert box_f1(a, b).matched == 2

    def test_box_agreement_over_items(self):
        annotations = {
            1: {"a": [(0, 0, 10, 10, 0, "car")], "b": [(0, 0, 10, 10, 0, "car")]},
            2: {"a": [], "b": [(0, 0, 1, 1, "car")]},
        }
        result = box_agreement(annotations)
        assert result.matrix[0, 1] == pytest.approx(2 / 3) and result.mean == pytest.approx(2 / 3)

    def test_bad_boxes(self):
        with pytest.raises(QualityInputError, match="width, height >= 0"):
            box_iou((0, 0, -1, 2), (0, 0, 1, 1))
        with pytest.raises(QualityInputError, match="rotation"):
            box_f1([(0, 0, 1, "car")], [])
        with pytest.raises(QualityInputError, match="iou_threshold"):
            box_f1([], [], iou_threshold=0)


class TestPolygons:
    def test_non_convex_iou_is_exact(self):
        assert polygon_iou(SQUARE, L_SHAPE) == pytest.approx(3 / 4)
        assert polygon_iou(L_SHAPE, L_SHAPE) == pytest.approx(1.0)
        assert polygon_iou(L_SHAPE[::-1], SQUARE) == pytest.approx(3 / 4)  # winding ignored
        mirrored = [[2, 2], [0, 2], [0, 1], [1, 1], [1, 0], [2, 0]]
        assert polygon_iou(L_SHAPE, mirrored) == pytest.approx(2 / 4)

    @pytest.mark.parametrize("seed", range(6))
    def test_random_star_polygons_match_a_raster(self, seed):
        rng = np.random.default_rng(seed)
        p, q = star(rng, 0, 0), star(rng, rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5))
        assert polygon_iou(p, q) == pytest.approx(raster_iou(p, q), abs=5e-3)

    def test_polygon_matching(self):
        a = [(SQUARE, "roof"), (L_SHAPE, "wall")]
        b = [(L_SHAPE, "roof"), ([[5, 5], [6, 5], [6, 6]], "wall")]
        assert polygon_f1(a, b) == MatchScore(1, 2, 2)
        assert polygon_f1(a, b, iou_threshold=0.8) == MatchScore(0, 2, 2)
        result = polygon_agreement({"img": {"u1": a, "u2": b}})
        assert result.mean == 0.5

    def test_bad_polygons(self):
        with pytest.raises(QualityInputError, match="crosses itself"):
            polygon_iou([[0, 0], [2, 2], [2, 0], [0, 2]], SQUARE)
        with pytest.raises(QualityInputError, match="at least 3"):
            polygon_iou([[0, 0], [1, 1]], SQUARE)
        with pytest.raises(QualityInputError, match="points, label"):
            polygon_f1([SQUARE], [])

    def test_zero_area_polygon(self):
        assert polygon_iou([[0, 0], [1, 1], [2, 2]], SQUARE) == 0.0


class TestText:
    def test_known_distances(self):
        assert edit_similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)
        assert edit_similarity("", "") == 1.0
        assert edit_similarity("abc", "") == 0.0
        assert edit_similarity("héllo wörld", "héllo wörld") == 1.0

    def test_bit_parallel_distance_matches_dynamic_programming(self):
        rnd = random.Random(0)
        for _ in range(500):
            a = "".join(rnd.choice("abcé ") for _ in range(rnd.randint(0, 90)))
            b = "".join(rnd.choice("abcd ") for _ in range(rnd.randint(0, 90)))
            assert spatial_agreement._levenshtein(a, b) == levenshtein_reference(a, b)

    def test_normalisation_options(self):
        assert edit_similarity("Hello  World ", "hello world") < 1
        assert edit_similarity("Hello  World ", "hello world", ignore_case=True, normalize_whitespace=True) == 1.0

    def test_text_agreement(self):
        result = text_agreement({1: {"a": "cat", "b": "cut"}, 2: {"a": "dog", "b": "dog", "c": "dig"}})
        assert result.matrix[0, 1] == pytest.approx((2 / 3 + 1) / 2)
        assert result.matrix[0, 2] == pytest.approx(2 / 3)
        assert result.mean == pytest.approx(((2 / 3 + 1) / 2 + 2 / 3 + 2 / 3) / 3)

    def test_long_strings_are_fast(self):
        a = "the quick brown fox jumps over the lazy dog " * 50
        b = a.replace("o", "0")
        assert edit_similarity(a, b) == pytest.approx(1 - a.count("o") / len(a))

    def test_bad_text_input(self):
        with pytest.raises(QualityInputError, match="compares strings"):
            edit_similarity("a", None)


class TestPairwiseBadInput:
    def test_empty_and_single_annotator(self):
        with pytest.raises(QualityInputError, match="non-empty mapping"):
            span_agreement({})
        with pytest.raises(QualityInputError, match="at least two annotators; got 1"):
            span_agreement({1: {"a": []}, 2: {"a": []}})
        with pytest.raises(QualityInputError, match="on at least one item"):
            text_agreement({1: {"a": "x"}, 2: {"b": "y"}})


def test_exports_match_all():
    public = {n for n in dir(spatial_agreement) if not n.startswith("_")}
    imported = {"annotations", "math", "Counter", "Callable", "Hashable", "Mapping", "Sequence", "dataclass",
                "Literal", "np", "linear_sum_assignment", "PairwiseAgreement", "QualityInputError",
                "Span", "Box", "Polygon", "Annotations"}
    assert public - imported == set(spatial_agreement.__all__)
