"""Labeling images in a real browser: boxes (with zoom and pan), rotated boxes, polygons, polylines,
keypoints with a skeleton and brush masks; coordinates are checked in original image pixels."""

import math

import numpy as np
from pycocotools import mask as mask_utils

from tests.browser.test_labeling_support import current_task_id, drag, image_point, open_labeling, png_data_uri, screenshot, wait_next_task

W, H = 320, 240
STAGE = ".lw-image-svg"

SCHEMA = {
    "objects": {"photo": {"type": "image"}},
    "controls": {
        "boxes": {"type": "boxes", "object": "photo", "labels": ["car", "person"]},
        "rboxes": {"type": "boxes", "object": "photo", "labels": ["ship"], "rotatable": True},
        "areas": {"type": "polygons", "object": "photo", "labels": ["road", "field"]},
        "lanes": {"type": "polylines", "object": "photo", "labels": ["lane"]},
        "pose": {"type": "keypoints", "object": "photo", "labels": ["animal"], "points": ["head", "neck", "tail"],
                 "skeleton": [["head", "neck"], ["neck", "tail"]]},
        "paint": {"type": "masks", "object": "photo", "labels": ["sky", "water"]},
    },
}


def activate(page, control):
    page.click(f"[data-control={control}] .lw-control-title")


def click_at(page, x, y):
    page.mouse.click(*image_point(page, STAGE, x, y))


def test_label_image_with_every_shape(page, web_server, web_session):
    image = png_data_uri(W, H, lambda pen: pen.rectangle([20, 30, 120, 90], outline=(255, 255, 0), width=2))
    ctx = open_labeling(page, web_server, web_session, SCHEMA, [{"photo": {"src": image, "width": W, "height": H}}, {"photo": image}])
    first = current_task_id(page)
    page.wait_for_function("() => document.querySelector('.lw-image-svg image').getAttribute('href')")

    activate(page, "boxes")
    drag(page, image_point(page, STAGE, 20, 30), image_point(page, STAGE, 120, 90))
    # zoom in around a point with the wheel and draw a small person box: still original pixels
    page.mouse.move(*image_point(page, STAGE, 230, 175))
    page.mouse.wheel(0, -300)
    page.mouse.wheel(0, -300)
    zoomed = page.get_attribute(STAGE, "viewBox")
    assert zoomed != f"0 0 {W} {H}"
    page.keyboard.press("2")  # person for the next box; the first box, just drawn, stays car
    drag(page, image_point(page, STAGE, 210, 160), image_point(page, STAGE, 250, 190))
    # pan with space + drag changes the view but not the coordinates
    before = page.get_attribute(STAGE, "viewBox")
    start = image_point(page, STAGE, 200, 150)
    page.keyboard.down(" ")
    drag(page, start, (start[0] + 80, start[1] + 40))
    page.keyboard.up(" ")
    assert page.get_attribute(STAGE, "viewBox") != before
    page.keyboard.press("f")
    assert page.get_attribute(STAGE, "viewBox") == f"0 0 {W} {H}"

    activate(page, "rboxes")
    drag(page, image_point(page, STAGE, 150, 40), image_point(page, STAGE, 230, 80))
    page.keyboard.press("e")   # +15°
    page.keyboard.press("Shift+E")  # +1°

    activate(page, "areas")
    page.keyboard.press("5")  # field: one key per label across the controls (car 1 … road 4, field 5)
    for x, y in [(10, 200), (100, 200), (60, 150)]:
        click_at(page, x, y)
    page.keyboard.press("Enter")  # closes the polygon, does not submit

    activate(page, "lanes")
    for x, y in [(0, 120), (160, 110), (319, 125)]:
        click_at(page, x, y)
    page.keyboard.press("Enter")

    activate(page, "pose")
    click_at(page, 280, 20)
    page.keyboard.press("h")  # the neck is hidden
    click_at(page, 285, 50)
    click_at(page, 300, 90)

    activate(page, "paint")
    page.keyboard.press(".")
    page.keyboard.press(".")  # brush radius 8
    drag(page, image_point(page, STAGE, 60, 215), image_point(page, STAGE, 140, 215), steps=12)

    # a stray polygon removed with Delete, brought back by undo and removed again by redo
    activate(page, "areas")
    for x, y in [(250, 200), (300, 200), (280, 230)]:
        click_at(page, x, y)
    page.keyboard.press("Enter")
    assert page.locator("[data-control=areas] .lw-region").count() == 2
    page.keyboard.press("Delete")
    assert page.locator("[data-control=areas] .lw-region").count() == 1
    page.keyboard.press("Control+z")
    assert page.locator("[data-control=areas] .lw-region").count() == 2
    page.keyboard.press("Control+Shift+z")
    assert page.locator("[data-control=areas] .lw-region").count() == 1
    screenshot(page, "image")
    page.keyboard.press("Enter")
    wait_next_task(page, first)

    result = ctx.results()[0].result
    close = lambda a, b, tol=1.5: abs(a - b) <= tol  # noqa: E731
    car, person = sorted(result["boxes"], key=lambda b: b["x"])
    assert car["label"] == "car" and person["label"] == "person"
    for box, expected in ((car, (20, 30, 100, 60)), (person, (210, 160, 40, 30))):
        assert all(close(box[k], v) for k, v in zip(("x", "y", "width", "height"), expected)), box
    assert car["rotation"] == 0
    [ship] = result["rboxes"]
    assert ship["rotation"] == 16 and close(ship["x"], 150) and close(ship["width"], 80) and close(ship["height"], 40)
    [area] = result["areas"]
    assert area["label"] == "field"
    assert all(close(p[0], e[0]) and close(p[1], e[1]) for p, e in zip(area["points"], [(10, 200), (100, 200), (60, 150)]))
    [lane] = result["lanes"]
    assert len(lane["points"]) == 3 and close(lane["points"][2][0], 319)
    [pose] = result["pose"]
    assert [p[2] for p in pose["points"]] == [2, 1, 2]
    assert close(pose["points"][0][0], 280) and close(pose["points"][2][1], 90)
    [paint] = result["paint"]
    assert paint["label"] == "sky" and paint["rle"]["size"] == [H, W]
    decoded = mask_utils.decode({"size": paint["rle"]["size"], "counts": paint["rle"]["counts"].encode()})
    ys, xs = np.nonzero(decoded)
    # every painted pixel is within the brush (radius 8) of the stroke, and the stroke's core is painted
    dist = np.hypot(np.clip(xs + 0.5, 60, 140) - (xs + 0.5), ys + 0.5 - 215)
    assert dist.max() <= 8 + 1.5
    core_y, core_x = np.mgrid[209:222, 64:137]
    assert decoded[core_y, core_x].all()
    assert abs(decoded.sum() - (16 * 80 + math.pi * 64)) < 0.12 * decoded.sum()
