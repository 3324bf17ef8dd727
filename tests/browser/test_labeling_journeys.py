"""Annotator journeys: for every template that can be labeled without a pointer, ten tasks labeled by
keyboard only, as an annotator would, and every stored result read back through the API.

(The templates that draw on images and video have theirs in test_labeling_pointer_journeys.py, through
the keyboard pointer.)"""

import math

import pytest

from labelwise.schema.templates import TEMPLATES
from tests.browser.test_labeling_support import current_task_id, open_labeling, wait_next_task, wav_data_uri

N = 10
SERIES = {"time": list(range(100)), "temperature": [20 + 5 * math.sin(t / 8) for t in range(100)],
          "vibration": [abs(math.cos(t / 5)) for t in range(100)]}


def _text_classification(i):
    return {"text": f"review {i}"}, [str(i % 3 + 1)], lambda r: r == {"label": ["positive", "negative", "neutral"][i % 3]}


def _multi_label(i):
    keys = ["1", "3"] if i % 2 else ["2"]
    expected = ["billing", "product"] if i % 2 else ["shipping"]
    return {"text": f"ticket {i}"}, keys, lambda r: r == {"labels": expected}


def _ner_relations(i):
    keys = ["Shift+ArrowRight"] * 3 + ["1"] + ["Alt+ArrowRight"] * 11 + ["Shift+ArrowRight"] * 4 + ["2", "Tab", "r", "Tab", "r"]

    def check(r):
        spans = {(s["start"], s["end"], s["label"]): s["id"] for s in r["entities"]}
        return set(spans) == {(0, 3, "PER"), (14, 18, "ORG")} and r["relations"] == [
            {"from": spans[(0, 3, "PER")], "to": spans[(14, 18, "ORG")], "label": "works_for"}]
    return {"text": "Ada works for ACME."}, keys, check


def _audio_transcription(i):
    keys = ["m", ".", ".", "m", "t", f"type:hello segment {i}, skip? [a] g", "Escape"]

    def check(r):
        (segment,) = r["speakers"]
        return (segment["start"], segment["end"], segment["label"]) == (0.0, 1.0, "speaker_1") and r["transcript"] == {
            segment["id"]: f"hello segment {i}, skip? [a] g"}
    return {"audio": {"src": wav_data_uri(2.0), "duration": 2.0}}, keys, check


def _timeseries_segments(i):
    keys = ["2", "Shift+.", "Shift+.", "m", "Shift+.", "m"]

    def check(r):
        (event,) = r["events"]
        return event["label"] == "maintenance" and abs(event["start"] - 19.8) < 1e-6 and abs(event["end"] - 29.7) < 1e-6
    return {"series": SERIES}, keys, check


def _llm_comparison(i):
    keys = (["Shift+ArrowDown"] if i % 2 == 0 else ["c"]) + ["a" if i % 2 == 0 else "b", "]", str(i % 5 + 1)]  # a/b makes preference active; ] moves on to quality
    expected = {"ranking": ["m2", "m1"] if i % 2 == 0 else ["m1", "m2"], "preference": "a" if i % 2 == 0 else "b", "quality": i % 5 + 1}
    data = {"prompt": "Name a prime number.", "answers": [{"id": "m1", "author": "model-1", "text": "7"},
                                                          {"id": "m2", "author": "model-2", "text": "9"}],
            "answer_a": "7", "answer_b": "9"}
    return data, keys, lambda r: r == expected


def _llm_chat_evaluation(i):
    # the first reply (message 2) starts current: rate it, flag it, rewrite it; then the whole chat
    stars = i % 5 + 1
    keys = [str(stars), "8", "4", "e", "Control+a", f"type:Restart the router ({i}).", "Escape"]
    expected = {"helpfulness": {"2": stars}, "resolved": "resolved", "issues": {"2": ["verbose"]},
                "rewrite": {"2": f"Restart the router ({i})."}}
    return TEMPLATES["llm_chat_evaluation"]["example"]["data"], keys, lambda r: r == expected


def _preference_rlhf(i):
    choice = "a" if i % 2 == 0 else "b"
    keys = [choice, "2", "t", f"type:clearer {i}", "Escape"]
    expected = {"preference": {"1": choice}, "margin": "much better", "reason": f"clearer {i}"}
    return TEMPLATES["preference_rlhf"]["example"]["data"], keys, lambda r: r == expected


JOURNEYS = {name: fn for name, fn in globals().items() if name.startswith("_") and name[1:] in TEMPLATES}


@pytest.mark.parametrize("template", sorted(name[1:] for name in JOURNEYS))
def test_ten_tasks_by_keyboard(page, web_server, web_session, template):
    plans = [JOURNEYS[f"_{template}"](i) for i in range(N)]
    ctx = open_labeling(page, web_server, web_session, TEMPLATES[template]["schema"], [data for data, _, _ in plans])
    ids = ctx.task_ids()
    for i, (_, keys, _) in enumerate(plans):
        task = current_task_id(page)
        assert task == ids[i]
        if template == "audio_transcription":
            page.wait_for_function("() => document.querySelector('lw-task-editor').viewers.audio.timeRange()[1] > 0")
        for key in keys:
            if key.startswith("type:"):
                page.keyboard.type(key[5:])
            else:
                page.keyboard.press(key)
        page.keyboard.press("Enter")
        wait_next_task(page, task)
    page.locator(".lw-empty").wait_for()
    for i, (_, _, check) in enumerate(plans):
        detail = page.request.get(f"{web_server.url}/api/v1/tasks/{ids[i]}").json()
        (annotation,) = detail["annotations"]
        assert annotation["status"] == "submitted" and check(annotation["result"]), (i, annotation["result"])


# Templates whose media must be uploaded first (point clouds, DICOM series) have their journey in their own module.
UPLOADED_MEDIA_JOURNEYS = {
    "lidar_cuboids": ("tests.browser.test_labeling_point_cloud", "test_lidar_template_three_sweeps_by_keyboard"),
    "ct_segmentation": ("tests.browser.test_labeling_dicom", "test_ct_template_two_series_by_keyboard"),
}


def test_every_template_has_a_keyboard_journey():
    import importlib

    from tests.browser.test_labeling_pointer_journeys import JOURNEYS as DRAWING

    uploaded = {name for name, (module, test) in UPLOADED_MEDIA_JOURNEYS.items()
                if callable(getattr(importlib.import_module(module), test, None))}
    missing = set(TEMPLATES) - {name[1:] for name in JOURNEYS} - set(DRAWING) - uploaded
    assert not missing, f"templates no keyboard journey labels: {sorted(missing)}"
