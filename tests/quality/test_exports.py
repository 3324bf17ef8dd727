"""`labelwise.quality` exports exactly its `__all__`, and every submodule's public names are reachable."""

import types

import labelwise.quality as quality
from labelwise.quality import (
    aggregation,
    agreement,
    method_choice,
    simulate,
    spatial_agreement,
)


def test_all_lists_exactly_the_public_names():
    public = {
        name for name, value in vars(quality).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(quality.__all__)
    assert len(quality.__all__) == len(set(quality.__all__))


def test_every_name_in_all_is_importable():
    for name in quality.__all__:
        assert getattr(quality, name) is not None


def test_submodule_names_are_re_exported():
    wanted = set(agreement.__all__) | set(spatial_agreement.__all__) | set(aggregation.__all__)
    assert wanted <= set(quality.__all__)
    entry_points = {"choose_method", "make_aggregator", "MethodChoice", "MethodScore", "simulate_crowd",
                    "SimulatedCrowd"}
    assert entry_points <= set(quality.__all__)
    assert entry_points <= set(method_choice.__all__) | set(simulate.__all__)


def test_names_shared_by_two_submodules_resolve_to_the_agreement_version():
    assert quality.box_iou is spatial_agreement.box_iou
    assert quality.edit_similarity is spatial_agreement.edit_similarity
