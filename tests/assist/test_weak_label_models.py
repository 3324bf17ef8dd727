"""Label models: known answers on toy votes, invariants, abstains, and beating majority vote on
simulated sets whose functions differ in accuracy."""

import numpy as np
import pytest

from labelwise.assist.weak import (
    DawidSkeneLabelModel,
    EnsembleLabelModel,
    LabelingFunctionError,
    MajorityVoteLabelModel,
    MatrixCompletionLabelModel,
    TripletLabelModel,
)
from labelwise.assist.weak.simulate import simulate

MODELS = [
    pytest.param(lambda: MajorityVoteLabelModel(), id="mv"),
    pytest.param(lambda: DawidSkeneLabelModel(), id="ds"),
    pytest.param(lambda: MatrixCompletionLabelModel(), id="mc"),
    pytest.param(lambda: MatrixCompletionLabelModel(class_balance="learn", abstain_evidence=True),
                 id="mc-learn"),
    pytest.param(lambda: EnsembleLabelModel(), id="ensemble"),
    pytest.param(lambda: DawidSkeneLabelModel(fit_on="all"), id="ds-all"),
    pytest.param(lambda: DawidSkeneLabelModel(class_balance="votes"), id="ds-votes"),
    pytest.param(lambda: TripletLabelModel(), id="triplet"),
]


def _accuracy(probas, truth):
    return float((np.argmax(probas, axis=1) == truth).mean())


@pytest.fixture(scope="module")
def varied():
    # Multipolar functions, accuracies from near-chance to excellent: weighting them matters.
    return simulate(n_tasks=3000, n_functions=8, n_classes=3, accuracy=(0.4, 0.95),
                    coverage=(0.4, 0.9), unipolar=0.0, seed=7)


@pytest.mark.parametrize("make", MODELS)
def test_probabilities_are_distributions(make, varied):
    model = make().fit(varied.votes, n_classes=3)
    p = model.probas_
    assert p.shape == (3000, 3)
    assert np.all(p >= 0) and np.allclose(p.sum(axis=1), 1.0)
    assert np.allclose(model.predict_proba(varied.votes), p)
    assert model.class_balance_.shape == (3,) and np.isclose(model.class_balance_.sum(), 1.0)
    assert model.accuracies_.shape == (8,)


@pytest.mark.parametrize("make", MODELS)
def test_unanimous_votes_decide(make):
    votes = np.array([[0, 0, 0], [1, 1, 1], [0, 0, -1], [1, -1, 1]] * 10)
    model = make().fit(votes, n_classes=2)
    assert model.predict(votes[:4]).tolist() == [0, 1, 0, 1]


@pytest.mark.parametrize("make", MODELS)
def test_relabelling_classes_permutes_the_probabilities(make, varied):
    perm = np.array([2, 0, 1])  # old class c becomes perm[c]
    votes = np.where(varied.votes >= 0, perm[np.maximum(varied.votes, 0)], -1)
    a = make().fit(varied.votes, n_classes=3).probas_
    b = make().fit(votes, n_classes=3).probas_
    np.testing.assert_allclose(b[:, perm], a, atol=2e-3)


@pytest.mark.parametrize("make", MODELS)
def test_reordering_functions_changes_nothing(make, varied):
    order = np.array([3, 1, 7, 0, 2, 6, 5, 4])
    a = make().fit(varied.votes, n_classes=3)
    b = make().fit(varied.votes[:, order], n_classes=3)
    np.testing.assert_allclose(b.probas_, a.probas_, atol=2e-3)
    np.testing.assert_allclose(b.accuracies_, a.accuracies_[order], atol=2e-3)


@pytest.mark.parametrize("make", [p for p in MODELS if p.id != "mv"])
def test_weighting_functions_beats_majority_vote(make, varied):
    mv = _accuracy(MajorityVoteLabelModel().fit(varied.votes, n_classes=3).probas_, varied.truth)
    model = make().fit(varied.votes, n_classes=3)
    assert _accuracy(model.probas_, varied.truth) > mv + 0.02


def test_dawid_skene_recovers_function_accuracies(varied):
    model = DawidSkeneLabelModel().fit(varied.votes, n_classes=3)
    assert np.abs(model.accuracies_ - varied.accuracies).max() < 0.05


def test_dawid_skene_uses_abstains_of_one_class_rules():
    # Every rule votes one class only; which rules fire is all the evidence there is.
    s = simulate(n_tasks=4000, n_functions=12, n_classes=2, accuracy=(0.55, 0.95),
                 coverage=(0.1, 0.4), unipolar=1.0, seed=3)
    covered = (s.votes >= 0).any(axis=1)
    mv = MajorityVoteLabelModel().fit(s.votes, n_classes=2).probas_
    ds = DawidSkeneLabelModel().fit(s.votes, n_classes=2).probas_
    assert _accuracy(ds[covered], s.truth[covered]) > _accuracy(mv[covered], s.truth[covered]) + 0.02


def test_abstains_count_only_for_one_class_functions_by_default():
    votes = np.array([[0, 1, -1], [-1, 0, 1], [0, -1, -1], [-1, 1, -1]] * 5)
    model = DawidSkeneLabelModel().fit(votes, n_classes=2)
    assert model.abstain_evidence_.tolist() == [True, False, True]
    # A several-class function's abstain rate is the same for every class: its silence says nothing.
    assert np.allclose(model.conditionals_[1, 0, 2], model.conditionals_[1, 1, 2])
    assert np.allclose(model.conditionals_.sum(axis=2), 1.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sparse_several_class_functions_do_not_collapse(seed):
    # Weak functions that vote either class on a random few tasks: modelling their abstains as
    # evidence lets EM split tasks by which functions fired, far below majority vote.
    s = simulate(n_tasks=1500, n_functions=5, n_classes=2, accuracy=(0.55, 0.85), coverage=(0.02, 0.3),
                 unipolar=0.0, seed=seed)
    covered = (s.votes >= 0).any(axis=1)
    mv = _accuracy(MajorityVoteLabelModel().fit(s.votes, n_classes=2).probas_[covered], s.truth[covered])
    ds = _accuracy(DawidSkeneLabelModel().fit(s.votes, n_classes=2).probas_[covered], s.truth[covered])
    assert ds > mv - 0.03


def test_tasks_without_votes():
    votes = np.array([[0, 0, -1], [1, 1, 1], [-1, -1, -1], [0, -1, 0]] * 20)
    mv = MajorityVoteLabelModel().fit(votes, n_classes=2)
    assert mv.predict(votes[:4]).tolist() == [0, 1, -1, 0]
    assert np.allclose(mv.probas_[2], 0.5)
    mc = MatrixCompletionLabelModel(class_balance=[0.3, 0.7]).fit(votes, n_classes=2)
    assert np.allclose(mc.probas_[2], [0.3, 0.7])  # no evidence: the class balance
    ds = DawidSkeneLabelModel().fit(votes, n_classes=2)
    assert np.allclose(ds.probas_[2], ds.class_balance_)  # silence alone decides nothing


def test_a_vote_matrix_without_any_vote_gives_the_prior():
    votes = np.full((5, 2), -1)
    for model in (MajorityVoteLabelModel(), DawidSkeneLabelModel(), MatrixCompletionLabelModel()):
        assert np.allclose(model.fit(votes, n_classes=2).probas_, 0.5)


def test_errors():
    with pytest.raises(LabelingFunctionError, match="not fitted"):
        DawidSkeneLabelModel().predict_proba(np.zeros((2, 2), dtype=int))
    model = DawidSkeneLabelModel().fit(np.array([[0, 1], [1, 1]]), n_classes=2)
    with pytest.raises(LabelingFunctionError, match="fitted on 2"):
        model.predict_proba(np.zeros((2, 3), dtype=int))
    with pytest.raises(LabelingFunctionError, match="out of range"):
        DawidSkeneLabelModel().fit(np.array([[0, 2]]), n_classes=2)
    with pytest.raises(LabelingFunctionError, match=">= -1"):
        MajorityVoteLabelModel().fit(np.array([[0, -2]]))
    with pytest.raises(LabelingFunctionError, match="class_balance"):
        MatrixCompletionLabelModel(class_balance=[0.5, 0.6]).fit(np.array([[0, 1]]), n_classes=2)
    with pytest.raises(LabelingFunctionError, match="2-D"):
        MajorityVoteLabelModel().fit(np.array([0, 1]))


def test_repr_shows_hyperparameters_only():
    model = DawidSkeneLabelModel(smoothing=0.5).fit(np.array([[0, 1], [1, 1]]), n_classes=2)
    assert repr(model).startswith("DawidSkeneLabelModel(class_balance=") and "probas_" not in repr(model)


def test_ensemble_is_the_weighted_mean_of_its_members(varied):
    ds, mv = DawidSkeneLabelModel().fit(varied.votes, n_classes=3), MajorityVoteLabelModel().fit(varied.votes, n_classes=3)
    ens = EnsembleLabelModel([DawidSkeneLabelModel(), MajorityVoteLabelModel()], weights=[3, 1]).fit(
        varied.votes, n_classes=3)
    assert np.allclose(ens.probas_, 0.75 * ds.probas_ + 0.25 * mv.probas_)
    assert np.allclose(ens.predict_proba(varied.votes[:10]), ens.probas_[:10])
    with pytest.raises(LabelingFunctionError) as err:
        EnsembleLabelModel([DawidSkeneLabelModel()], weights=[1, 2]).fit(varied.votes)
    assert err.value.field == "weights"
    with pytest.raises(LabelingFunctionError):
        DawidSkeneLabelModel(fit_on="some")


def test_triplet_recovers_accuracies_and_class_balance_of_one_class_rules():
    s = simulate(n_tasks=6000, n_functions=10, n_classes=2, class_balance=np.array([0.3, 0.7]),
                 accuracy=(0.6, 0.9), coverage=(0.1, 0.4), unipolar=1.0, seed=1)
    model = TripletLabelModel().fit(s.votes, n_classes=2)
    assert np.abs(model.class_balance_ - [0.3, 0.7]).max() < 0.03
    error = np.abs(model.accuracies_ - s.accuracies)
    assert error.mean() < 0.05 and error.max() < 0.2  # a median over few triples is noisy for some rules
    # Which one-class rules stay silent is evidence too: well above majority vote on the covered tasks.
    covered = (s.votes >= 0).any(axis=1)
    mv = MajorityVoteLabelModel().fit(s.votes, n_classes=2).probas_
    assert _accuracy(model.probas_[covered], s.truth[covered]) > _accuracy(mv[covered], s.truth[covered]) + 0.1


def test_triplet_abstains_and_fixed_class_balance():
    s = simulate(n_tasks=3000, n_functions=6, n_classes=2, accuracy=(0.7, 0.9), coverage=(0.05, 0.2),
                 unipolar=0.5, seed=4)
    model = TripletLabelModel(class_balance=[0.4, 0.6]).fit(s.votes, n_classes=2)
    assert np.allclose(model.class_balance_, [0.4, 0.6])
    silent = ~(s.votes >= 0).any(axis=1)
    assert silent.any() and np.allclose(model.probas_[silent], [0.4, 0.6])
    assert np.allclose(model.binary_conditionals_.sum(axis=3), 1.0)
    with pytest.raises(LabelingFunctionError) as err:
        TripletLabelModel(min_z=-1)
    assert err.value.field == "min_z"


def test_dawid_skene_class_balance_from_the_votes():
    s = simulate(n_tasks=2000, n_functions=8, n_classes=3, class_balance=np.array([0.6, 0.3, 0.1]),
                 accuracy=(0.7, 0.9), coverage=(0.2, 0.5), unipolar=0.0, seed=5)
    mv = MajorityVoteLabelModel().fit(s.votes, n_classes=3)
    ds = DawidSkeneLabelModel(class_balance="votes").fit(s.votes, n_classes=3)
    covered = int((s.votes >= 0).any(axis=1).sum())
    assert np.allclose(ds.class_balance_, (mv.class_balance_ * covered + 1) / (covered + 3))
