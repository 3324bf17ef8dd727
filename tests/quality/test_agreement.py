"""Agreement metrics: published worked examples, scikit-learn and `krippendorff` as oracles,
invariants, bad input, bootstrap intervals and speed."""

import functools
import json
import time
from pathlib import Path

import numpy as np
import pytest

from labelwise.quality import agreement
from labelwise.quality.agreement import (
    ConfidenceInterval,
    bootstrap_ci,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    krippendorff_alpha_from_matrix,
    pairwise_cohen_kappa,
    percent_agreement,
    reliability_matrix_to_long,
)
from labelwise.quality.errors import QualityInputError

CASES = json.loads(
    (Path(__file__).parents[1] / "data" / "agreement" / "reference_cases.json").read_text()
)
LEVELS = ["nominal", "ordinal", "interval", "ratio"]


def long_from_table(table):
    """Two raters' long-format ratings from a confusion table (rows rater 0, columns rater 1)."""
    table = np.asarray(table)
    a, b = np.nonzero(table)
    counts = table[a, b]
    first, second = np.repeat(a, counts), np.repeat(b, counts)
    n = len(first)
    items = np.r_[np.arange(n), np.arange(n)]
    raters = np.r_[np.zeros(n, int), np.ones(n, int)]
    return items, raters, np.r_[first, second]


def long_from_rows(rows):
    """Long format from items x ratings rows (rater = column position)."""
    rows = np.asarray(rows)
    n_items, n_ratings = rows.shape
    return np.repeat(np.arange(n_items), n_ratings), np.tile(np.arange(n_ratings), n_items), rows.ravel()


def random_ratings(rng, *, n_items, n_raters, n_categories, p_missing=0.2, p_agree=0.6):
    truth = rng.integers(0, n_categories, n_items)
    noise = rng.integers(0, n_categories, (n_raters, n_items))
    matrix = np.where(rng.random((n_raters, n_items)) < p_agree, truth, noise).astype(float)
    matrix[rng.random(matrix.shape) < p_missing] = np.nan
    return matrix


class TestPublishedExamples:
    @pytest.mark.parametrize("level", LEVELS)
    def test_krippendorff_2011_example(self, level):
        case = CASES["krippendorff_2011_example"]
        data = np.array(case["reliability_data"], dtype=float)
        alpha = krippendorff_alpha_from_matrix(data, level=level)
        assert round(alpha, 3) == case["published"][level]
        assert alpha == pytest.approx(case["computed"][level], abs=1e-6)

    @pytest.mark.parametrize("level", ["nominal", "interval"])
    def test_krippendorff_3_coders_15_units(self, level):
        case = CASES["krippendorff_3coders_15units"]
        alpha = krippendorff_alpha_from_matrix(case["reliability_data"], level=level)
        assert round(alpha, 3) == case["published"][level]
        assert alpha == pytest.approx(case["computed"][level], abs=1e-6)

    def test_fleiss_1971_diagnoses(self):
        case = CASES["fleiss_1971_diagnoses"]
        kappa = fleiss_kappa(*long_from_rows(case["ratings"]))
        assert round(kappa, 3) == case["published"]["fleiss_kappa"]
        assert kappa == pytest.approx(0.4302445, abs=1e-7)

    def test_fleiss_wikipedia_table(self):
        counts = np.array(CASES["fleiss_wikipedia_table"]["counts"])
        rows = [np.repeat(np.arange(5), row) for row in counts]
        kappa = fleiss_kappa(*long_from_rows(rows))
        assert round(kappa, 3) == 0.210
        assert kappa == pytest.approx(0.209931, abs=1e-6)

    def test_cohen_wikipedia_2x2(self):
        assert cohen_kappa(*long_from_table(CASES["cohen_wikipedia_2x2"]["table"])) == pytest.approx(
            0.40, abs=1e-12
        )

    def test_cohen_sas_3x3_plain_and_linear_weighted(self):
        data = long_from_table(CASES["cohen_sas_3x3"]["table"])
        assert round(cohen_kappa(*data, n_categories=3), 4) == 0.4842
        weighted = cohen_kappa(*data, weights="linear", n_categories=3)
        assert round(weighted, 4) == 0.4701
        assert weighted == pytest.approx(0.47012, abs=1e-5)

    def test_percent_agreement_wikipedia_2x2(self):
        assert percent_agreement(*long_from_table(CASES["cohen_wikipedia_2x2"]["table"])) == 0.7


class TestOracles:
    @pytest.mark.parametrize("level", LEVELS)
    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_alpha_matches_krippendorff_package(self, level, seed):
        krippendorff = pytest.importorskip("krippendorff")
        rng = np.random.default_rng(seed)
        data = random_ratings(rng, n_items=300, n_raters=4, n_categories=6) + (level == "ratio")
        expected = krippendorff.alpha(data, level_of_measurement=level)
        assert krippendorff_alpha_from_matrix(data, level=level) == pytest.approx(expected, abs=1e-9)

    @pytest.mark.parametrize("level", ["interval", "ratio", "ordinal"])
    def test_alpha_on_float_values_matches_krippendorff_package(self, level):
        krippendorff = pytest.importorskip("krippendorff")
        rng = np.random.default_rng(7)
        truth = rng.gamma(2.0, 5.0, 150)
        data = np.abs(truth + rng.normal(0, 2.0, (3, 150)))
        data[rng.random(data.shape) < 0.15] = np.nan
        expected = krippendorff.alpha(data, level_of_measurement=level)
        assert krippendorff_alpha_from_matrix(data, level=level) == pytest.approx(expected, abs=1e-9)

    def test_ratio_quadrature_matches_exact_sum(self, monkeypatch):
        from labelwise.quality import krippendorff as module

        rng = np.random.default_rng(3)
        values = np.exp(rng.normal(0, 3, (3, 2500)))  # ~7,500 distinct values over 8 decades
        values[0, :100] = 0.0
        exact = krippendorff_alpha_from_matrix(values, level="ratio")
        monkeypatch.setattr(module, "_RATIO_EXACT_MAX_VALUES", 10)
        assert krippendorff_alpha_from_matrix(values, level="ratio") == pytest.approx(exact, abs=1e-10)

    @pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
    @pytest.mark.parametrize("seed", [0, 1])
    def test_cohen_matches_sklearn(self, weights, seed):
        metrics = pytest.importorskip("sklearn.metrics")
        rng = np.random.default_rng(seed)
        a = rng.integers(0, 5, 400)
        b = np.where(rng.random(400) < 0.5, a, rng.integers(0, 5, 400))
        expected = metrics.cohen_kappa_score(a, b, weights=weights, labels=list(range(5)))
        items, raters = np.r_[np.arange(400), np.arange(400)], np.repeat([10, 20], 400)
        got = cohen_kappa(items, raters, np.r_[a, b], weights=weights, n_categories=5)
        assert got == pytest.approx(expected, abs=1e-12)

    def test_pairwise_matrix_matches_pair_by_pair(self):
        metrics = pytest.importorskip("sklearn.metrics")
        rng = np.random.default_rng(4)
        data = random_ratings(rng, n_items=200, n_raters=5, n_categories=4, p_missing=0.3)
        result = pairwise_cohen_kappa(*reliability_matrix_to_long(data))
        for i in range(5):
            for j in range(i + 1, 5):
                shared = ~np.isnan(data[i]) & ~np.isnan(data[j])
                expected = metrics.cohen_kappa_score(data[i, shared], data[j, shared])
                assert result.matrix[i, j] == pytest.approx(expected, abs=1e-12)
                assert result.matrix[j, i] == result.matrix[i, j]
                assert result.n_shared[i, j] == shared.sum()
        assert result.mean == pytest.approx(result.matrix[np.triu_indices(5, 1)].mean())
        assert list(result.raters) == [0, 1, 2, 3, 4]
        assert (np.diag(result.matrix) == 1).all()

    def test_fleiss_equals_alpha_like_pi_on_complete_data(self):
        # Fleiss' kappa and nominal alpha differ only by the small-sample factor (n - 1) / n.
        rng = np.random.default_rng(5)
        rows = rng.integers(0, 4, (100, 5))
        kappa = fleiss_kappa(*long_from_rows(rows))
        alpha = krippendorff_alpha(*long_from_rows(rows))
        n = rows.size
        assert 1 - alpha == pytest.approx((1 - kappa) * (n - 1) / n, abs=1e-12)


class TestInvariants:
    @pytest.mark.parametrize(
        "metric", [cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement]
    )
    def test_permuting_label_codes_leaves_nominal_metrics_unchanged(self, metric):
        rng = np.random.default_rng(6)
        rows = np.where(rng.random((80, 2)) < 0.7, rng.integers(0, 4, (80, 1)), rng.integers(0, 4, (80, 2)))
        items, raters, values = long_from_rows(rows)
        permuted = np.array([2, 0, 3, 1])[values]
        assert metric(items, raters, permuted) == pytest.approx(metric(items, raters, values), abs=1e-12)

    def test_relabelling_items_and_raters_changes_nothing(self):
        data = np.array(CASES["krippendorff_2011_example"]["reliability_data"], dtype=float)
        items, raters, values = reliability_matrix_to_long(data)
        order = np.random.default_rng(0).permutation(len(values))
        names = np.array(["ann", "bob", "cy", "dee"])
        for level in LEVELS:
            shuffled = krippendorff_alpha(items[order] * 7 + 100, names[raters[order]], values[order], level=level)
            assert shuffled == pytest.approx(krippendorff_alpha(items, raters, values, level=level), abs=1e-12)

    @pytest.mark.parametrize("level", LEVELS)
    def test_perfect_agreement_is_one(self, level):
        rows = np.repeat(np.array([1, 2, 3, 1, 5])[:, None], 3, axis=1)
        assert krippendorff_alpha(*long_from_rows(rows), level=level) == 1.0
        assert fleiss_kappa(*long_from_rows(rows)) == 1.0
        assert cohen_kappa(*long_from_rows(rows[:, :2])) == 1.0
        assert percent_agreement(*long_from_rows(rows)) == 1.0

    def test_a_single_class_everywhere_gives_the_documented_one(self):
        rows = np.zeros((6, 3), dtype=int)
        for metric in (krippendorff_alpha, fleiss_kappa, percent_agreement):
            assert metric(*long_from_rows(rows)) == 1.0
        assert cohen_kappa(*long_from_rows(rows[:, :2])) == 1.0
        assert cohen_kappa(*long_from_rows(rows[:, :2]), weights="quadratic") == 1.0

    def test_ordinal_alpha_depends_only_on_the_order(self):
        data = np.array(CASES["krippendorff_2011_example"]["reliability_data"], dtype=float)
        stretched = np.exp(data)  # same order, other spacing
        assert krippendorff_alpha_from_matrix(stretched, level="ordinal") == pytest.approx(
            krippendorff_alpha_from_matrix(data, level="ordinal"), abs=1e-12
        )

    def test_single_rating_items_and_all_missing_columns_are_ignored(self):
        data = np.array(CASES["krippendorff_2011_example"]["reliability_data"], dtype=float)
        padded = np.column_stack([data, np.full((4, 3), np.nan), [7.0, np.nan, np.nan, np.nan]])
        for level in LEVELS:
            assert krippendorff_alpha_from_matrix(padded, level=level) == pytest.approx(
                krippendorff_alpha_from_matrix(data, level=level), abs=1e-12
            )

    def test_repeated_ratings_in_fleiss_and_alpha_are_counted_as_given(self):
        # the hitspam set has repeated (worker, task) pairs: alpha and Fleiss take them as values
        items, raters, values = [0, 0, 0, 1, 1, 1], [0, 0, 1, 0, 1, 1], [1, 1, 0, 0, 0, 0]
        assert -1 <= krippendorff_alpha(items, raters, values) <= 1
        assert -1 <= fleiss_kappa(items, raters, values) <= 1


class TestBadInput:
    def test_empty_input(self):
        with pytest.raises(QualityInputError, match="empty input"):
            krippendorff_alpha([], [], [])

    def test_fewer_than_two_raters(self):
        with pytest.raises(QualityInputError, match="at least two raters; got 1"):
            fleiss_kappa([0, 0, 1, 1], [5, 5, 5, 5], [1, 1, 0, 0])

    def test_cohen_with_three_raters(self):
        with pytest.raises(QualityInputError, match="exactly two raters; got 3"):
            cohen_kappa([0, 0, 0], [1, 2, 3], [0, 1, 0])

    def test_cohen_without_shared_items(self):
        with pytest.raises(QualityInputError, match="got 0 shared items"):
            cohen_kappa([0, 1], ["a", "b"], [0, 1])

    def test_cohen_with_a_repeated_rating(self):
        with pytest.raises(QualityInputError, match="rated an item 2 times"):
            cohen_kappa([0, 0, 0], ["a", "a", "b"], [0, 1, 0])

    def test_label_outside_the_schema(self):
        with pytest.raises(QualityInputError, match="label code 3 is outside the schema's 3"):
            cohen_kappa([0, 0, 1, 1], [0, 1, 0, 1], [0, 3, 1, 1], n_categories=3)
        with pytest.raises(QualityInputError, match="outside the schema"):
            krippendorff_alpha([0, 0], [0, 1], [0, 5], n_categories=2)

    def test_negative_and_non_integer_codes(self):
        with pytest.raises(QualityInputError, match="start at 0"):
            fleiss_kappa([0, 0], [0, 1], [-1, 0])
        with pytest.raises(QualityInputError, match="integer category codes"):
            percent_agreement([0, 0], [0, 1], [0.5, 0])

    def test_nan_in_long_format(self):
        with pytest.raises(QualityInputError, match="NaN"):
            krippendorff_alpha([0, 0], [0, 1], [1.0, np.nan])

    def test_only_single_rating_items(self):
        data = np.array([[1, np.nan], [np.nan, 2]])
        with pytest.raises(QualityInputError, match="rated twice or more"):
            krippendorff_alpha_from_matrix(data)

    def test_all_missing_matrix(self):
        with pytest.raises(QualityInputError, match="empty input"):
            krippendorff_alpha_from_matrix(np.full((3, 4), np.nan))

    def test_unequal_numbers_of_ratings_for_fleiss(self):
        with pytest.raises(QualityInputError, match="same number of ratings"):
            fleiss_kappa([0, 0, 0, 1, 1], [0, 1, 2, 0, 1], [0, 0, 1, 1, 1])

    def test_bad_level_and_weights_and_lengths(self):
        with pytest.raises(QualityInputError, match="level must be one of"):
            krippendorff_alpha([0, 0], [0, 1], [0, 1], level="cardinal")
        with pytest.raises(QualityInputError, match="weights"):
            cohen_kappa([0, 0], [0, 1], [0, 1], weights="cubic")
        with pytest.raises(QualityInputError, match="equal lengths"):
            percent_agreement([0, 0], [0, 1], [0])

    def test_negative_ratio_values(self):
        with pytest.raises(QualityInputError, match="ratio level needs values >= 0"):
            krippendorff_alpha([0, 0], [0, 1], [-1.0, 2.0], level="ratio")

    def test_pairwise_without_any_shared_item(self):
        with pytest.raises(QualityInputError, match="no pair does"):
            pairwise_cohen_kappa([0, 1, 2], ["a", "b", "c"], [0, 1, 0])

    def test_pairwise_marks_pairs_without_shared_items(self):
        result = pairwise_cohen_kappa([0, 0, 1, 1], ["a", "b", "b", "c"], [0, 0, 1, 0])
        assert np.isnan(result.matrix[0, 2]) and result.n_shared[0, 2] == 0
        assert result.mean == pytest.approx(np.nanmean([result.matrix[0, 1], result.matrix[1, 2]]))


class TestBootstrap:
    def data(self, n_items=2000, seed=0):
        return reliability_matrix_to_long(
            random_ratings(np.random.default_rng(seed), n_items=n_items, n_raters=5, n_categories=5)
        )

    def test_interval_contains_the_estimate_and_is_reproducible(self):
        items, raters, values = self.data(n_items=300)
        first = bootstrap_ci(krippendorff_alpha, items, raters, values, seed=1, level="ordinal")
        assert isinstance(first, ConfidenceInterval)
        assert first.low < first.estimate < first.high
        assert first.estimate == krippendorff_alpha(items, raters, values, level="ordinal")
        again = bootstrap_ci(
            functools.partial(krippendorff_alpha, level="ordinal"), items, raters, values, seed=1
        )
        assert again == first

    def test_vectorised_path_equals_calling_the_metric_per_resample(self):
        # Every item is pairable here, so both paths resample the same units with the same draws.
        rows = np.random.default_rng(2).integers(0, 3, (60, 3))
        rows[:, 1] = np.where(np.arange(60) % 3 == 0, rows[:, 0], rows[:, 1])
        data = long_from_rows(rows)
        for metric, options in [
            (krippendorff_alpha, {"level": "nominal"}),
            (krippendorff_alpha, {"level": "interval"}),
            (krippendorff_alpha, {"level": "ordinal"}),
            (krippendorff_alpha, {"level": "ratio"}),
            (fleiss_kappa, {}),
            (percent_agreement, {}),
        ]:
            fast = bootstrap_ci(metric, *data, n_resamples=200, seed=3, **options)
            slow = bootstrap_ci(
                lambda i, r, v: metric(i, r, v, **options), *data, n_resamples=200, seed=3
            )
            assert (fast.low, fast.high) == pytest.approx((slow.low, slow.high), abs=1e-12)
        two = long_from_rows(rows[:, :2])
        fast = bootstrap_ci(cohen_kappa, *two, n_resamples=200, seed=3, weights="linear")
        slow = bootstrap_ci(lambda i, r, v: cohen_kappa(i, r, v, weights="linear"), *two, n_resamples=200, seed=3)
        assert (fast.low, fast.high) == pytest.approx((slow.low, slow.high), abs=1e-12)

    def test_wider_confidence_gives_a_wider_interval(self):
        data = self.data(n_items=300)
        narrow = bootstrap_ci(fleiss_kappa, *long_from_rows(np.zeros((2, 2), int)), seed=0)
        assert narrow.low == narrow.high == 1.0
        c80 = bootstrap_ci(krippendorff_alpha, *data, confidence=0.8, seed=0)
        c99 = bootstrap_ci(krippendorff_alpha, *data, confidence=0.99, seed=0)
        assert c99.low <= c80.low and c80.high <= c99.high

    def test_bad_options(self):
        data = self.data(n_items=20)
        with pytest.raises(QualityInputError, match="confidence"):
            bootstrap_ci(krippendorff_alpha, *data, confidence=95)
        with pytest.raises(QualityInputError, match="n_resamples"):
            bootstrap_ci(krippendorff_alpha, *data, n_resamples=0)
        with pytest.raises(QualityInputError, match="non-finite"):
            bootstrap_ci(lambda i, r, v: float("nan"), *data, n_resamples=5, seed=0)

    def test_1000_resamples_over_10k_ratings_are_fast(self):
        data = self.data(n_items=2500)  # ~10,000 ratings
        for level in LEVELS:
            started = time.perf_counter()
            bootstrap_ci(krippendorff_alpha, *data, n_resamples=1000, seed=0, level=level)
            elapsed = time.perf_counter() - started
            print(f"bootstrap alpha {level}: 1000 resamples over {len(data[0])} ratings in {elapsed:.2f} s")
            assert elapsed < 3


def test_alpha_over_a_million_ratings_costs_at_most_twenty_sorts_of_them(capsys):
    """Measured against sorting the same ratings in the same run (the machine may be busy): the ratio
    level over ~1M distinct values, the slowest, took about 9 sorts here; the others about one."""
    rng = np.random.default_rng(0)
    n_items, n_raters = 220_000, 5
    truth = rng.integers(0, 10, n_items)
    values = np.where(rng.random((n_items, n_raters)) < 0.7, truth[:, None], rng.integers(0, 10, (n_items, n_raters)))
    items, raters = np.repeat(np.arange(n_items), n_raters), np.tile(np.arange(n_raters), n_items)
    keep = rng.random(values.size) > 0.09  # some missing
    items, raters, values = items[keep], raters[keep], values.ravel()[keep]
    assert len(values) >= 1_000_000
    floats = values + rng.normal(0, 0.5, len(values)) + 10  # ~1M distinct values
    for level, data in [(level, values) for level in LEVELS] + [("ratio", floats), ("interval", floats)]:
        sort = min(_sort_seconds(items, raters, data) for _ in range(3))
        started = time.perf_counter()
        alpha = krippendorff_alpha(items, raters, data, level=level)
        elapsed = time.perf_counter() - started
        with capsys.disabled():
            print(f"\nalpha {level} over {len(data):,} ratings ({len(np.unique(data)):,} distinct values): "
                  f"{elapsed:.2f} s, {elapsed / sort:.1f}x a sort of them ({sort:.2f} s)")
        assert 0 < alpha < 1
        assert elapsed < 20 * sort


def _sort_seconds(items, raters, data) -> float:
    started = time.perf_counter()
    np.lexsort((data, raters, items))
    np.unique(data, return_inverse=True)
    return time.perf_counter() - started


def test_exports_match_all():
    public = {name for name in dir(agreement) if not name.startswith("_") and callable(getattr(agreement, name))}
    public -= {"annotations", "dataclass", "Callable", "Literal", "ArrayLike", "QualityInputError", "Kernel"}
    public -= {"category_codes", "estimate", "long_form", "one_minus_ratio", "pairable_units", "unit_counts"}
    public -= {"KappaWeights"}
    assert public == set(agreement.__all__)
