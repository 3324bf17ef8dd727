"""The typicality sampler: TypiClust cold start, then density-weighted uncertainty with diversity."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.neighbors import KNeighborsClassifier

from labelwise.assist.active import HybridSampler, RandomSampler, TypicalSampler, make_sampler, typicality, typiclust


def _clustered(seed: int, blobs: int = 24, classes: int = 3):
    """Gaussian blobs of uneven size in 10-D, each blob one class, plus 5 % scattered outliers."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 8, size=(blobs, 10))
    sizes = rng.integers(10, 60, size=blobs)
    x = np.vstack([rng.normal(c, 1.0, size=(s, 10)) for c, s in zip(centres, sizes)])
    y = np.repeat(np.arange(blobs) % classes, sizes)
    outliers = rng.normal(0, 16, size=(len(y) // 20, 10))
    return np.vstack([x, outliers]), np.concatenate([y, rng.integers(classes, size=len(outliers))])


def _labels_to_reach(sampler, x, y, *, target: float, batch: int, seed: int) -> int:
    """Replay labeling in batches with a 3-nearest-neighbour model; labels spent when pool accuracy
    first reaches `target`."""
    rng = np.random.default_rng(seed)
    labeled = np.zeros(len(y), dtype=bool)
    proba = None
    while True:
        pool = np.flatnonzero(~labeled)
        picked = sampler.select(batch, proba=None if proba is None else proba[pool], features=x[pool],
                                labeled_features=x[labeled], seed=rng)
        labeled[pool[picked]] = True
        model = KNeighborsClassifier(n_neighbors=min(3, int(labeled.sum())), weights="distance")
        model.fit(x[labeled], y[labeled])
        if (model.predict(x) == y).mean() >= target or labeled.all():
            return int(labeled.sum())
        proba = model.predict_proba(x)


def test_it_needs_far_fewer_labels_than_random_on_clustered_data():
    typical, random = [], []
    for seed in range(5):
        x, y = _clustered(seed)
        typical.append(_labels_to_reach(TypicalSampler(), x, y, target=0.9, batch=8, seed=seed))
        random.append(_labels_to_reach(RandomSampler(), x, y, target=0.9, batch=8, seed=seed))
    # one typical item per blob is enough; random keeps landing in big blobs and outliers
    assert np.mean(typical) <= 0.6 * np.mean(random), (typical, random)


def test_the_cold_start_takes_the_most_typical_item_of_each_uncovered_cluster():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    x = np.vstack([rng.normal(c, 0.5, size=(30, 2)) for c in centres] + [np.array([[5.0, 30.0]])])
    picked = typiclust(x, 4, seed=0)
    assert sorted(int(i) // 30 for i in picked) == [0, 1, 2, 3]  # one per cluster, never the outlier
    for i in picked:
        blob = x[int(i) // 30 * 30:int(i) // 30 * 30 + 30]
        # the pick sits in its blob's dense middle, not at its rim
        assert np.linalg.norm(x[i] - blob.mean(axis=0)) < np.median(np.linalg.norm(blob - blob.mean(axis=0), axis=1))
    # with the first two clusters labeled, a batch of two goes to the other two
    covered = x[[0, 30]]
    two = TypicalSampler().select(2, features=x, labeled_features=covered, seed=0)
    assert sorted(int(i) // 30 for i in two) == [2, 3]


def test_uncertain_outliers_lose_to_uncertain_typical_items():
    rng = np.random.default_rng(2)
    dense = rng.normal(0, 0.3, size=(60, 2))
    outliers = rng.uniform(20, 40, size=(10, 2))
    x = np.vstack([dense, outliers])
    proba = np.tile([0.95, 0.05], (70, 1))
    proba[30:60] = [0.6, 0.4]  # uncertain and typical (as many as the 10 x batch candidates)
    proba[60:] = [0.5, 0.5]    # most uncertain, but alone
    picked = TypicalSampler().select(3, proba=proba, features=x, seed=0)
    assert all(30 <= i < 60 for i in picked)
    # plain uncertainty goes for the outliers, the hybrid sampler for some of them
    assert all(i >= 60 for i in make_sampler("margin").select(3, proba=proba, seed=0))
    assert any(i >= 60 for i in HybridSampler().select(3, proba=proba, features=x, seed=0))
    # without the density weight it is the hybrid sampler again
    assert any(i >= 60 for i in TypicalSampler(density_power=0).select(3, proba=proba, features=x, seed=0))


def test_typicality_is_highest_in_the_dense_part_and_scaled_to_one():
    x = np.vstack([np.random.default_rng(3).normal(0, 0.1, size=(50, 3)), [[5.0, 5.0, 5.0]]])
    t = typicality(x, neighbours=10)
    assert t.max() == pytest.approx(1.0) and t.min() > 0
    assert t.argmin() == 50
    assert typicality(np.zeros((1, 3))).tolist() == [1.0]


def test_it_works_on_sparse_tfidf_rows_and_by_name():
    x = sparse.random(80, 40, density=0.2, format="csr", random_state=0)
    cold = make_sampler("typical").select(6, features=x, seed=0)
    proba = np.random.default_rng(0).dirichlet(np.ones(3), size=80)
    warm = make_sampler("typical").select(6, proba=proba, features=x, labeled_features=x[:4], seed=0)
    assert len(set(cold.tolist())) == 6 and len(set(warm.tolist())) == 6


def test_it_says_what_it_needs():
    with pytest.raises(ValueError, match="features"):
        TypicalSampler().select(3, proba=np.full((5, 2), 0.5))
    with pytest.raises(ValueError, match="unknown"):
        TypicalSampler("bald")
    with pytest.raises(ValueError):
        TypicalSampler(neighbours=0)
