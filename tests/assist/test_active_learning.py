import numpy as np
import pytest
from scipy import sparse

from labelwise.assist.active import (
    STRATEGIES, DiversitySampler, HybridSampler, RandomSampler, entropy, farthest_first, least_confidence,
    make_sampler, margin, per_option, queue_order,
)


def _pool(n=200, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(k), size=n), rng.normal(size=(n, 5))


@pytest.mark.parametrize("measure", [least_confidence, margin, entropy])
def test_scores_lie_in_unit_interval_and_peak_at_uniform(measure):
    proba, _ = _pool()
    scores = measure(proba)
    assert scores.shape == (200,) and scores.min() >= 0 and scores.max() <= 1
    certain = np.array([[1.0, 0, 0, 0]])
    uniform = np.full((1, 4), 0.25)
    assert measure(certain)[0] == pytest.approx(0)
    assert measure(uniform)[0] == pytest.approx(1 if measure is not least_confidence else 0.75)
    assert measure(uniform)[0] >= scores.max()


def test_margin_and_entropy_disagree_where_theory_says():
    # two close top classes: margin says hard; a flat tail with a clear winner: entropy says harder
    close_top = np.array([[0.5, 0.5, 0.0, 0.0]])
    flat_tail = np.array([[0.55, 0.15, 0.15, 0.15]])
    assert margin(close_top)[0] > margin(flat_tail)[0]
    assert entropy(flat_tail)[0] > entropy(close_top)[0]


def test_the_three_measures_pick_alike_on_two_classes():
    p = np.random.default_rng(3).random(300)
    proba = np.column_stack([p, 1 - p])
    proba[:20] = [0.5, 0.5]  # ties too
    picks = {name: make_sampler(name).select(40, proba=proba, seed=9).tolist()
             for name in ("least_confidence", "margin", "entropy")}
    assert picks["least_confidence"] == picks["margin"] == picks["entropy"]


def test_sequence_probabilities_score_by_their_most_uncertain_token():
    seqs = [np.array([[1.0, 0.0], [0.5, 0.5]]), np.array([[0.9, 0.1]]), np.zeros((0, 2))]
    assert least_confidence(seqs).tolist() == pytest.approx([0.5, 0.1, 0.0])


def test_multi_label_tasks_score_by_their_least_sure_option():
    proba = np.array([[0.99, 0.02, 0.5], [0.9, 0.1, 0.05], [0.6, 0.6, 0.6]])
    scores = margin(per_option(proba))
    assert scores.tolist() == pytest.approx([1.0, 0.2, 0.8])
    assert make_sampler("entropy").select(1, proba=per_option(proba), seed=0).tolist() == [0]


def test_bad_probabilities_are_refused():
    with pytest.raises(ValueError):
        margin(np.array([[1.5, -0.5]]))
    with pytest.raises(ValueError):
        entropy(np.array([0.5, 0.5]))


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@pytest.mark.parametrize("batch", [0, 1, 7, 200, 500])
def test_every_strategy_returns_distinct_pool_indices_of_the_batch_size(name, batch):
    proba, features = _pool()
    picked = make_sampler(name).select(batch, proba=proba, features=features, labeled_features=features[:3], seed=1)
    assert len(picked) == min(batch, 200)
    assert len(set(picked.tolist())) == len(picked)
    assert all(0 <= i < 200 for i in picked)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_is_deterministic_given_the_seed(name):
    proba, features = _pool()
    kw = dict(proba=proba, features=features, labeled_features=features[:3])
    a = make_sampler(name).select(10, seed=7, **kw)
    b = make_sampler(name).select(10, seed=np.random.default_rng(7), **kw)
    assert a.tolist() == b.tolist()


def test_ties_are_broken_at_random_by_seed():
    flat = np.full((50, 3), 1 / 3)
    picks = {tuple(make_sampler("margin").select(5, proba=flat, seed=s)) for s in range(10)}
    assert len(picks) > 1
    assert make_sampler("margin").select(5, proba=flat, seed=3).tolist() == \
        make_sampler("margin").select(5, proba=flat, seed=3).tolist()


@pytest.mark.parametrize("name", ["least_confidence", "margin", "entropy"])
def test_uncertainty_picks_the_known_uncertain_items_first(name):
    proba = np.tile([0.98, 0.01, 0.01], (30, 1))
    proba[[4, 17]] = [0.34, 0.33, 0.33]
    proba[9] = [0.5, 0.45, 0.05]
    picked = make_sampler(name).select(3, proba=proba, seed=0).tolist()
    assert set(picked[:2]) == {4, 17} and picked[2] == 9


def test_coreset_covers_the_unlabeled_cluster_first():
    rng = np.random.default_rng(0)
    labeled_region = rng.normal(0, 0.1, size=(40, 2))
    far = rng.normal(10, 0.1, size=(5, 2))
    pool = np.vstack([labeled_region, far])
    first = DiversitySampler().select(1, features=pool, labeled_features=labeled_region[:5], seed=0)
    assert first[0] >= 40
    # two well separated unlabeled clusters: a batch of two takes one from each
    pool2 = np.vstack([labeled_region, far, rng.normal(-10, 0.1, size=(5, 2))])
    two = DiversitySampler().select(2, features=pool2, labeled_features=labeled_region[:5], seed=0)
    assert {int(i >= 45) for i in two} == {0, 1} and all(i >= 40 for i in two)


def test_coreset_works_on_sparse_tfidf_rows():
    x = sparse.random(60, 30, density=0.2, format="csr", random_state=0)
    picked = farthest_first(x, 5, labeled_features=x[:3], seed=0)
    assert len(set(picked.tolist())) == 5
    kpp = DiversitySampler("kmeans++").select(5, features=x, labeled_features=x[:3], seed=0)
    assert len(set(kpp.tolist())) == 5


def test_kmeans_plus_plus_never_repeats_even_on_duplicate_rows():
    x = np.zeros((10, 2))
    picked = DiversitySampler("kmeans++").select(10, features=x, seed=0)
    assert sorted(picked.tolist()) == list(range(10))


def test_hybrid_spreads_a_batch_over_uncertain_clusters():
    # the 20 most uncertain items sit in two tight clusters; pure uncertainty takes both from the first
    rng = np.random.default_rng(1)
    features = np.vstack([rng.normal(0, 0.01, (12, 2)), rng.normal(5, 0.01, (8, 2)), rng.normal(9, 1, (80, 2))])
    proba = np.tile([0.99, 0.01], (100, 1))
    proba[:12] = [0.5, 0.5]
    proba[12:20] = [0.52, 0.48]
    picked = HybridSampler(prefilter=10).select(2, proba=proba, features=features, seed=0)
    assert {int(i >= 12) for i in picked} == {0, 1} and all(i < 20 for i in picked)
    assert make_sampler("margin").select(2, proba=proba, seed=0).max() < 12


def test_random_sampler_is_uniform_over_the_pool():
    counts = np.zeros(20)
    for s in range(2000):
        counts[RandomSampler().select(1, features=np.zeros((20, 1)), seed=s)] += 1
    assert counts.min() > 60 and counts.max() < 140


def test_samplers_say_what_input_they_need():
    with pytest.raises(ValueError, match="proba"):
        make_sampler("entropy").select(3, features=np.zeros((5, 2)))
    with pytest.raises(ValueError, match="features"):
        make_sampler("coreset").select(3, proba=np.full((5, 2), 0.5))
    with pytest.raises(ValueError, match="unknown"):
        make_sampler("bald")
    with pytest.raises(ValueError):
        make_sampler("margin").select(-1, proba=np.full((5, 2), 0.5))


def test_queue_order_keeps_every_task_once_and_the_random_share():
    ids = [f"t{i}" for i in range(200)]
    ranked = list(range(199, -1, -1))
    order = queue_order(ids, ranked, random_share=0.1, seed=0)
    assert sorted(order.task_ids) == sorted(ids)
    assert len(order.random) == 20
    # spread evenly: every prefix of 50 holds about 10 % random picks
    for end in (10, 50, 100):
        share = sum(t in order.random for t in order.task_ids[:end]) / end
        assert abs(share - 0.1) <= 1 / end + 1e-9
    model_part = [t for t in order.task_ids if t not in order.random]
    assert model_part == sorted(model_part, key=lambda t: -int(t[1:]))  # the ranking, minus random picks


def test_queue_order_is_deterministic_and_fills_after_a_partial_ranking():
    ids = list(range(100, 130))
    a = queue_order(ids, [5, 3], random_share=0.0, seed=4)
    b = queue_order(ids, [5, 3], random_share=0.0, seed=4)
    assert a == b
    assert a.task_ids[:2] == [105, 103] and sorted(a.task_ids) == ids and not a.random
    pri = a.priorities()
    assert pri[105] == 1.0 and max(pri.values()) == 1.0 and min(pri.values()) > 0
    assert sorted(pri, key=pri.get, reverse=True) == a.task_ids
    everything_random = queue_order(ids, [5, 3], random_share=1.0, seed=4)
    assert everything_random.random == frozenset(ids)


def test_queue_order_refuses_bad_rankings():
    with pytest.raises(ValueError):
        queue_order([1, 2, 3], [0, 0])
    with pytest.raises(ValueError):
        queue_order([1, 2, 3], [3])
    with pytest.raises(ValueError):
        queue_order([1, 2, 3], [0], random_share=1.5)
