"""Annotator journeys for the templates that draw (boxes, polygons with masks, keypoints, video tracks, boxes on
PDF pages with page and document classification):
ten tasks each labeled by keyboard only, through the keyboard pointer (Alt+arrows move a crosshair,
Alt+Enter presses it), and every stored result read back through the API.

A pointer step is 10 screen pixels, so its size in image pixels depends on the zoom: the checks assert
the geometry the keys imply (where it starts, which sides are equal, which ratios hold), not fixed numbers."""

import pytest

from labelwise.schema.templates import TEMPLATES
from tests.browser.test_labeling_media import RECORD_WEBM
from tests.browser.test_labeling_support import current_task_id, open_labeling, png_data_uri, wait_next_task

N = 10
IMAGE = {"src": png_data_uri(640, 480), "width": 640, "height": 480}
CENTRE = (320.0, 240.0)


def close(a, b, tolerance=0.05):
    return abs(a - b) <= tolerance


def _image_boxes(i, _media):
    label = ["car", "person", "bicycle"][i % 3]
    keys = [str(i % 3 + 1), "Alt+Enter", *["Alt+ArrowRight"] * 3, *["Alt+ArrowDown"] * 2, "Alt+Enter"]

    def check(r):
        (box,) = r["objects"]
        return (box["label"] == label and (box["x"], box["y"]) == CENTRE and box["width"] > 0
                and close(box["width"] * 2, box["height"] * 3))
    return {"image": IMAGE}, keys, check


def _image_segmentation(i, _media):
    keys = ["2", "Alt+Enter", *["Alt+ArrowRight"] * 4, "Alt+Enter", *["Alt+ArrowDown"] * 4, "Alt+Enter", "Enter"]
    if i % 2:  # and a brush stroke of "sky" from the triangle's last corner three steps to the left
        keys += ["4", "Alt+Enter", *["Alt+ArrowLeft"] * 3, "Alt+Enter"]

    def check(r):
        (polygon,) = r["outlines"]
        a, b, c = polygon["points"]
        side = b[0] - a[0]
        triangle = (polygon["label"] == "building" and tuple(a) == CENTRE and b[1] == a[1] and side > 0
                    and c[0] == b[0] and close(c[1] - b[1], side))
        if not i % 2:
            return triangle and "paint" not in r
        (mask,) = r["paint"]
        return triangle and mask["label"] == "sky" and mask["rle"]["size"] == [480, 640]
    return {"image": IMAGE}, keys, check


def _keypoints(i, _media):
    keys = ["1", "Alt+Enter", "Alt+ArrowDown", "Alt+Enter", "n", "Alt+ArrowRight", "Alt+Enter",
            "Alt+ArrowDown", "Alt+Enter", "h", "Alt+ArrowLeft", "Alt+Enter", *["Alt+ArrowRight"] * 2, "Alt+Enter"]

    def check(r):
        (pose,) = r["pose"]
        head, neck, left_hand, right_hand, hips, left_foot, right_foot = pose["points"]
        step = neck[1] - head[1]
        return (pose["label"] == "person" and tuple(head) == (*CENTRE, 2) and step > 0 and neck[0] == head[0]
                and left_hand == [0, 0, 0] and close(right_hand[0] - neck[0], step) and right_hand[1] == neck[1]
                and close(hips[1] - right_hand[1], step) and left_foot[2] == 1 and right_foot[2] == 2
                and close(right_foot[0] - left_foot[0], 2 * step) and all(p[2] == 2 for p in (head, neck, right_hand, hips)))
    return {"image": IMAGE}, keys, check


def _video_tracking(i, media):
    keys = [str(i % 2 + 1), "Alt+Enter", *["Alt+ArrowRight"] * 2, *["Alt+ArrowDown"] * 2, "Alt+Enter",
            "Shift+.",  # ten frames on
            "Alt+ArrowLeft", "Alt+ArrowUp", "Alt+Enter", *["Alt+ArrowRight"] * 2, "Alt+Enter"]  # grab the box, move it

    def check(r):
        (track,) = r["tracks"]
        k0, k10 = track["keyframes"]
        return (track["label"] == ["player", "ball"][i % 2] and (k0["frame"], k10["frame"]) == (0, 10)
                and (k0["x"], k0["y"]) == (80.0, 60.0) and k0["width"] > 0 and close(k0["width"], k0["height"])
                and close(k10["x"] - k0["x"], k0["width"]) and k10["y"] == k0["y"] and k10["width"] == k0["width"])
    return {"video": media}, keys, check


def _document_form(i, _media):
    label, kind, doc = ["question", "answer"][i % 2], ["text", "table"][i % 2], ["invoice", "form"][i % 2]
    keys = ["PageDown", str(i % 2 + 1), "Alt+Enter", *["Alt+ArrowRight"] * 2, "Alt+ArrowDown", "Alt+Enter",
            "w" if kind == "text" else "y", str(i % 2 + 8)]  # the second page's type, the document's type

    def check(r):
        (box,) = r["fields"]
        return (box["label"] == label and box["page"] == 1 and (box["x"], box["y"]) == CENTRE
                and close(box["width"], 2 * box["height"]) and r["page_type"] == {"1": kind} and r["doc_type"] == doc)
    return {"document": [IMAGE, IMAGE]}, keys, check


JOURNEYS = {"document_form": _document_form, "image_boxes": _image_boxes, "image_segmentation": _image_segmentation, "keypoints": _keypoints,
            "video_tracking": _video_tracking}


@pytest.mark.parametrize("template", sorted(JOURNEYS))
def test_ten_drawings_by_keyboard(page, web_server, web_session, template):
    media = None
    if template == "video_tracking":
        page.goto("about:blank")
        media = {"src": page.evaluate(RECORD_WEBM), "width": 160, "height": 120, "frames": 25, "frame_rate": 25,
                 "duration": 1.0}
    plans = [JOURNEYS[template](i, media) for i in range(N)]
    ctx = open_labeling(page, web_server, web_session, TEMPLATES[template]["schema"], [data for data, _, _ in plans])
    ids = ctx.task_ids()
    for i, (_, keys, _) in enumerate(plans):
        task = current_task_id(page)
        assert task == ids[i]
        for key in keys:
            page.keyboard.press(key)
        page.keyboard.press("Enter")
        wait_next_task(page, task)
    page.locator(".lw-empty").wait_for()
    for i, (_, _, check) in enumerate(plans):
        detail = page.request.get(f"{web_server.url}/api/v1/tasks/{ids[i]}").json()
        (annotation,) = detail["annotations"]
        assert annotation["status"] == "submitted" and check(annotation["result"]), (i, annotation["result"])
