"""Hotkeys across controls: defaults never collide with each other or with page and tool keys, given
maps are kept, and conflicts between given keys are reported with the control and the key."""

from labelwise.schema import TEMPLATES
from labelwise.schema.hotkeys import assign_hotkeys, hotkey_conflicts, reserved_keys

TEXT = {"text": {"type": "text"}}


def test_defaults_number_labels_across_controls():
    controls = {
        "spam": {"type": "choices", "object": "text", "options": ["spam", "ham"]},
        "mentions": {"type": "spans", "object": "text", "labels": ["PERSON", "CHANNEL", "URL"]},
    }
    assert assign_hotkeys(TEXT, controls) == {"spam": {"spam": "1", "ham": "2"}, "mentions": {"PERSON": "3", "CHANNEL": "4", "URL": "5"}}


def test_every_template_has_one_key_per_label_and_none_reserved():
    for name, template in TEMPLATES.items():
        schema = template["schema"]
        keys = assign_hotkeys(schema["objects"], schema["controls"])
        flat = [key for per in keys.values() for key in per.values()]
        assert len(flat) == len(set(flat)), name
        assert not set(flat) & set(reserved_keys(schema["objects"], schema["controls"])), name
        assert hotkey_conflicts(schema["objects"], schema["controls"]) == [], name


def test_given_keys_are_kept_and_defaults_avoid_them():
    controls = {
        "sentiment": {"type": "choices", "object": "text", "options": ["pos", "neg"], "hotkeys": {"pos": "1", "neg": "p"}},
        "entities": {"type": "spans", "object": "text", "labels": ["PER", "ORG"]},
        "links": {"type": "relations", "labels": ["works_for"], "hotkeys": {}},
    }
    assert assign_hotkeys(TEXT, controls) == {"sentiment": {"pos": "1", "neg": "p"}, "entities": {"PER": "2", "ORG": "3"}, "links": {}}


def test_defaults_skip_the_keys_of_the_tools_on_the_page():
    image = {"photo": {"type": "image"}}
    controls = {"objects": {"type": "boxes", "object": "photo", "labels": [f"l{i}" for i in range(20)], "rotatable": True}}
    keys = set(assign_hotkeys(image, controls)["objects"].values())
    assert len(keys) == 20 and not keys & {"f", "e", "q", "s", "g", "a", "r", "t", "+", "-"}


def test_conflicts_name_the_control_and_the_key():
    controls = {
        "a": {"type": "choices", "object": "text", "options": ["x1", "x2"], "hotkeys": {"x1": "1", "x2": "s"}},
        "b": {"type": "spans", "object": "text", "labels": ["PER"], "hotkeys": {"PER": "1"}},
    }
    conflicts = hotkey_conflicts(TEXT, controls)
    assert [(c, k) for c, k, _ in conflicts] == [("a", "s"), ("b", "1")]
    assert "labeling page" in conflicts[0][2] and "'x1' in control 'a'" in conflicts[1][2]

