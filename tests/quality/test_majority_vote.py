import numpy as np
import pytest

from labelwise.quality.aggregation import MajorityVote, WeightedMajorityVote

DATASETS = ("bluebirds", "rte", "wsd", "hitspam_sample")


def test_majority_vote_picks_the_most_chosen_label():
    mv = MajorityVote().fit([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], [2, 2, 1, 0, 1, 1])
    assert mv.labels_.tolist() == [2, 1]
    np.testing.assert_allclose(mv.probas_, [[0, 1 / 3, 2 / 3], [1 / 3, 2 / 3, 0]])
    np.testing.assert_allclose(mv.skills_, [0.5, 1.0, 0.5])


def test_lowest_tie_break_gives_a_tie_to_the_lowest_label_code():
    tasks, workers, labels = [0, 0, 1, 1], [0, 1, 0, 1], [2, 1, 0, 2]
    assert MajorityVote(tie_break="lowest").fit_predict(tasks, workers, labels).tolist() == [1, 0]


def test_pooled_tie_break_follows_the_shared_confusion_matrix():
    # Ordinal-like confusion on the untied tasks: 1 is mistaken for 0 or 2, but 0 never for 2.
    # On the 2-2-1 tie below the lone vote for 2 points at 1, which "lowest" would not pick.
    untied = [[0, 0, 0, 0, 1], [1, 1, 1, 0, 2], [2, 2, 2, 2, 1]] * 10
    rows = [[0, 0, 1, 1, 2]] + untied
    tasks = np.repeat(np.arange(len(rows)), 5)
    workers = np.tile(np.arange(5), len(rows))
    labels = np.array(rows).ravel()
    assert MajorityVote(tie_break="pooled").fit_predict(tasks, workers, labels)[0] == 1
    assert MajorityVote(tie_break="lowest").fit_predict(tasks, workers, labels)[0] == 0
    # Only tied labels can win: a plurality is never overturned.
    mv = MajorityVote().fit(tasks, workers, labels)
    assert (mv.labels_[1:] == np.argmax(mv.probas_[1:], axis=1)).all()


def test_default_tie_break_trusts_the_annotator_who_agrees_with_the_majority():
    # Binary, 4 annotators: 0 and 1 always side with the majority, 2 and 3 each half the time.
    # A 2-2 tie between {0, 2} and {1, 3} is balanced; {0, 1} against {2, 3} goes to 0 and 1.
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(60):
        truth = int(rng.integers(2))
        rows.append([truth, truth, truth if rng.random() < 0.5 else 1 - truth, truth])
        rows.append([truth, truth, truth, truth if rng.random() < 0.5 else 1 - truth])
    rows = [[1, 1, 0, 0]] + rows
    tasks = np.repeat(np.arange(len(rows)), 4)
    workers = np.tile(np.arange(4), len(rows))
    labels = np.array(rows).ravel()
    assert MajorityVote().fit_predict(tasks, workers, labels)[0] == 1
    assert MajorityVote(tie_break="lowest").fit_predict(tasks, workers, labels)[0] == 0


def test_random_tie_break_is_seeded_and_only_picks_tied_labels():
    tasks = np.repeat(np.arange(200), 3)
    workers = np.tile([0, 1, 2], 200)
    labels = np.tile([0, 2, 3], 200)  # three-way tie on every task; label 1 never chosen
    a = MajorityVote(tie_break="random", seed=7).fit_predict(tasks, workers, labels, n_labels=4)
    b = MajorityVote(tie_break="random", seed=7).fit_predict(tasks, workers, labels, n_labels=4)
    assert a.tolist() == b.tolist()
    assert set(a.tolist()) == {0, 2, 3}


def test_task_without_judgements_gets_minus_one_and_uniform_probas():
    mv = MajorityVote().fit([0, 0], [0, 1], [1, 1], n_tasks=2, n_labels=2)
    assert mv.labels_.tolist() == [1, -1]
    np.testing.assert_allclose(mv.probas_[1], [0.5, 0.5])


def test_a_single_annotator_is_aggregated_as_is():
    assert MajorityVote().fit_predict([0, 1], [0, 0], [1, 0]).tolist() == [1, 0]


@pytest.mark.parametrize("name", DATASETS)
def test_majority_vote_accuracy_matches_crowdkit(name, load, oracle, reference):
    data = load(name)
    ours = data.accuracy(MajorityVote().fit_predict(*data.fit_args()))
    assert ours >= oracle(name, "mv")
    assert ours >= reference[name]["mv"] - 1e-3


def test_random_ties_on_rte_average_near_the_expected_accuracy(load):
    data = load("rte")
    accs = [data.accuracy(MajorityVote(tie_break="random", seed=s).fit_predict(*data.fit_args()))
            for s in range(20)]
    assert abs(np.mean(accs) - 0.8969) < 0.01  # README: 65 of 800 tasks are 5-5 ties


@pytest.mark.parametrize("name", DATASETS)
def test_weighted_majority_vote_is_at_least_as_accurate_as_crowdkit_mv(name, load, oracle):
    data = load(name)
    assert data.accuracy(WeightedMajorityVote().fit_predict(*data.fit_args())) >= oracle(name, "mv")


def test_given_weights_let_a_trusted_annotator_outvote_two_others():
    tasks, workers, labels = [0, 0, 0], [0, 1, 2], [1, 0, 0]
    wmv = WeightedMajorityVote().fit(tasks, workers, labels, weights=[3.0, 1.0, 1.0])
    assert wmv.labels_.tolist() == [1]
    np.testing.assert_allclose(wmv.probas_, [[0.4, 0.6]])


def test_estimated_weights_follow_agreement(make_noisy):
    tasks, workers, labels, truth = make_noisy(accuracies=(0.95, 0.9, 0.6, 0.4, 0.4), seed=3)
    wmv = WeightedMajorityVote(n_iter=3).fit(tasks, workers, labels)
    assert np.argmax(wmv.weights_) == 0
    assert (wmv.labels_ == truth).mean() >= (MajorityVote().fit_predict(tasks, workers, labels) == truth).mean()


def test_weights_with_the_wrong_shape_or_sign_are_rejected():
    from labelwise.quality.errors import QualityInputError
    with pytest.raises(QualityInputError, match="one value per worker"):
        WeightedMajorityVote().fit([0, 0], [0, 1], [0, 1], weights=[1.0])
    with pytest.raises(QualityInputError, match="non-negative"):
        WeightedMajorityVote().fit([0, 0], [0, 1], [0, 1], weights=[1.0, -1.0])


def test_all_zero_weights_on_a_task_fall_back_to_plain_votes():
    wmv = WeightedMajorityVote().fit([0, 0, 0], [0, 1, 2], [1, 1, 0], weights=[0.0, 0.0, 0.0])
    assert wmv.labels_.tolist() == [1]
    assert np.isfinite(wmv.probas_).all()
