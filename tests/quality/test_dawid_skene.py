import numpy as np
import pytest

from labelwise.quality.aggregation import DawidSkene, MajorityVote, OneCoinDawidSkene

DATASETS = ("bluebirds", "rte", "wsd", "hitspam_sample")


@pytest.mark.parametrize("name", DATASETS)
def test_dawid_skene_accuracy_matches_crowdkit(name, load, oracle, reference):
    data = load(name)
    ours = data.accuracy(DawidSkene().fit_predict(*data.fit_args()))
    assert ours >= oracle(name, "ds")
    assert ours >= reference[name]["ds"] - 1e-3


@pytest.mark.parametrize("name", DATASETS)
def test_one_coin_accuracy_matches_crowdkit(name, load, oracle):
    data = load(name)
    assert data.accuracy(OneCoinDawidSkene().fit_predict(*data.fit_args())) >= oracle(name, "onecoin")


def test_dawid_skene_recovers_truth_and_worker_accuracy(make_noisy):
    tasks, workers, labels, truth = make_noisy(n_tasks=500, accuracies=(0.95, 0.8, 0.7, 0.6, 0.5))
    ds = DawidSkene().fit(tasks, workers, labels)
    assert (ds.labels_ == truth).mean() > 0.95
    assert (ds.labels_ == truth).mean() >= (MajorityVote().fit_predict(tasks, workers, labels) == truth).mean()
    np.testing.assert_allclose(ds.skills_, [0.95, 0.8, 0.7, 0.6, 0.5], atol=0.06)
    assert ds.errors_.shape == (5, 3, 3)
    np.testing.assert_allclose(ds.errors_.sum(axis=2), 1.0)
    np.testing.assert_allclose(ds.priors_.sum(), 1.0)
    assert 1 <= ds.n_iter_ < 100


def test_dawid_skene_learns_an_asymmetric_annotator():
    # Worker 2 always answers 1: the confusion matrix must show it, and it must not sway the result.
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, 200)
    tasks = np.repeat(np.arange(200), 3)
    workers = np.tile([0, 1, 2], 200)
    labels = np.stack([truth, truth, np.ones(200, dtype=int)], axis=1).ravel()
    ds = DawidSkene().fit(tasks, workers, labels)
    assert (ds.labels_ == truth).all()
    assert ds.errors_[2, 0, 1] > 0.95 and ds.errors_[2, 1, 1] > 0.95
    assert ds.skills_[2] < ds.skills_[0]


def test_one_coin_skill_is_the_accuracy(make_noisy):
    tasks, workers, labels, truth = make_noisy(n_tasks=600, accuracies=(0.9, 0.75, 0.6, 0.45))
    oc = OneCoinDawidSkene().fit(tasks, workers, labels)
    np.testing.assert_allclose(oc.skills_, [0.9, 0.75, 0.6, 0.45], atol=0.05)
    np.testing.assert_allclose(oc.errors_.sum(axis=2), 1.0)


@pytest.mark.parametrize("cls", [DawidSkene, OneCoinDawidSkene])
def test_repeated_judgements_each_count(cls):
    tasks, workers, labels = [0, 0, 0, 1, 1, 1], [0, 1, 1, 0, 1, 2], [0, 1, 1, 0, 0, 1]
    # Worker 1 said 1 twice on task 0; counted twice it outweighs worker 0. Without the prior
    # (whose fixed pseudo-counts weigh less against doubled data) doubling everything is a no-op.
    model = cls(prior_strength=0.0).fit(tasks, workers, labels)
    doubled = cls(prior_strength=0.0).fit(np.tile(tasks, 2), np.tile(workers, 2), np.tile(labels, 2))
    assert model.labels_.tolist() == doubled.labels_.tolist()
    assert np.isfinite(model.probas_).all()


def test_task_without_judgements_gets_the_class_prior():
    ds = DawidSkene().fit([0, 0, 1, 1], [0, 1, 0, 1], [1, 1, 1, 0], n_tasks=3)
    assert ds.labels_[2] == -1
    np.testing.assert_allclose(ds.probas_[2], ds.priors_)


def test_stops_after_n_iter_and_zero_iterations_is_the_majority_vote(make_noisy):
    tasks, workers, labels, _ = make_noisy(seed=4)
    assert DawidSkene(n_iter=2, tol=0).fit(tasks, workers, labels).n_iter_ == 2
    ds0 = DawidSkene(n_iter=0).fit(tasks, workers, labels)
    np.testing.assert_allclose(ds0.probas_, MajorityVote().fit(tasks, workers, labels).probas_)


def test_zero_smoothing_gives_no_nan():
    ds = DawidSkene(smoothing=0.0).fit([0, 0, 1, 1, 2], [0, 1, 0, 1, 2], [0, 0, 1, 1, 2])
    assert np.isfinite(ds.probas_).all() and np.isfinite(ds.skills_).all()


def test_a_one_label_annotator_is_shrunk_to_the_pooled_confusion_matrix(make_noisy):
    tasks, workers, labels, truth = make_noisy(n_tasks=300, n_labels=3, accuracies=(0.9, 0.8, 0.7, 0.6))
    # Annotator 4 gives a single label; without the prior that makes them perfect on class 0.
    tasks, workers, labels = np.append(tasks, 0), np.append(workers, 4), np.append(labels, truth[0])
    ds = DawidSkene().fit(tasks, workers, labels)
    np.testing.assert_allclose(ds.pooled_.sum(axis=1), 1.0)
    row = ds.errors_[4, truth[0]]
    assert row[truth[0]] < 0.95
    others = [j for j in range(3) if j != truth[0]]
    np.testing.assert_allclose(ds.errors_[4, others], ds.pooled_[others], atol=0.01)
    assert ds.skills_[4] < ds.skills_[0]
    flat = DawidSkene(prior_strength=0.0).fit(tasks, workers, labels)
    assert flat.errors_[4, truth[0], truth[0]] > 0.98


def test_one_coin_skill_is_shrunk_toward_the_pooled_accuracy(make_noisy):
    tasks, workers, labels, truth = make_noisy(n_tasks=300, n_labels=3, accuracies=(0.9, 0.8, 0.7, 0.6))
    tasks, workers, labels = np.append(tasks, 0), np.append(workers, 4), np.append(labels, truth[0])
    oc = OneCoinDawidSkene().fit(tasks, workers, labels)
    # One right answer plus 4 pseudo-judgements at the pooled accuracy.
    assert oc.skills_[4] == pytest.approx((1 + 4 * oc.pooled_skill_) / 5, abs=0.01)
    assert OneCoinDawidSkene(prior_strength=0.0).fit(tasks, workers, labels).skills_[4] > 0.98


def test_dawid_skene_beats_its_old_default_on_a_sparse_crowd():
    from labelwise.quality.simulate import SCENARIOS, simulate_crowd

    crowd = simulate_crowd(**SCENARIOS["sparse_workers"], seed=0)
    args = (crowd.tasks, crowd.workers, crowd.labels)
    new = crowd.accuracy(DawidSkene().fit_predict(*args, **crowd.sizes))
    old = crowd.accuracy(DawidSkene(prior_strength=0.0).fit_predict(*args, **crowd.sizes))
    assert new >= old + 0.01
    assert new > crowd.accuracy(MajorityVote().fit_predict(*args, **crowd.sizes))
