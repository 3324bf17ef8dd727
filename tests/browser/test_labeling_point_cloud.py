"""A LIDAR sequence in the point-cloud viewer (three.js, four views): a cuboid placed and shaped by keyboard, one
drawn around the van with the mouse in the top view and dragged, one on the next frame; every value read back
exactly through the API."""

import math

import httpx
import pytest
from playwright.sync_api import expect

from labelwise.core.dataio.lidar_demo import sequence, truth
from tests.browser.pages_helpers import login
from tests.browser.test_labeling_support import current_task_id, drag, open_labeling, screenshot, wait_next_task

SCHEMA = {"objects": {"sweep": {"type": "pointcloud"}},
          "controls": {"objects": {"type": "cuboids", "object": "sweep", "labels": ["car", "pedestrian", "van"]},
                       "occluded": {"type": "choices", "object": "sweep", "per_region": True, "regions_of": "objects",
                                    "options": ["no", "partly"]}}}
VIEWER = "document.querySelector('lw-task-editor').viewers.sweep"


def client_point(page, view, x, y, z):
    at = page.evaluate(f"([v, x, y, z]) => {VIEWER}.clientPoint(v, x, y, z)", [view, x, y, z])
    return at["x"], at["y"]


def test_cuboids_by_keyboard_and_mouse_read_back_exactly(page, web_server, web_session):
    ctx = open_labeling(page, web_server, web_session, SCHEMA, [], wait_for_task=False)
    upload = httpx.post(f"{web_server.url}/api/v1/projects/{ctx.project_id}/media", headers=ctx.owner_headers,
                        params={"sequence": "true"},
                        files=[("files", (name, data, "application/octet-stream"))
                               for name, data in sequence(2, points=20_000)])
    assert upload.status_code == 201, upload.text
    page.reload()
    page.wait_for_selector("lw-labeling[data-task-id]")
    task = current_task_id(page)
    page.wait_for_function(f"() => {VIEWER}.stats.points === 20000 && {VIEWER}.stats.renders > 0")
    expect(page.locator(".lw-pc-viewer .lw-frame")).to_have_text("frame 1 / 2")
    ground = page.evaluate(f"() => {VIEWER}.ground")
    page.locator(".lw-pc-canvas").focus()

    # By keyboard: a car where the views look, moved 0.3 m forward, 0.2 m left, 0.1 m up, turned 5°, 0.2 m longer.
    keys = ["n", *["ArrowUp"] * 3, *["ArrowLeft"] * 2, "Shift+ArrowUp", *["q"] * 5, *["Alt+ArrowUp"] * 2]
    for key in keys:
        page.keyboard.press(key)
    page.locator("[data-control=occluded] [data-option=partly]").click()
    screenshot(page, "point-cloud")

    # By mouse: a box dragged around the van's footprint in the top view (height fitted to its points) ...
    van = truth(0)[2]
    page.locator("[data-control=objects] [data-label=van]").click()
    corner_a = client_point(page, "top", van["x"] + 1.5, van["y"] + 3.2, ground)
    corner_b = client_point(page, "top", van["x"] - 1.5, van["y"] - 3.2, ground)
    drag(page, corner_a, corner_b)
    expect(page.locator("[data-control=objects] .lw-region")).to_have_count(2)
    drawn = page.evaluate("() => document.querySelector('lw-task-editor').value.objects[1]")
    # ... then dragged 1 m along +x (up the top view) by its middle
    middle = client_point(page, "top", drawn["x"], drawn["y"], ground)
    one_metre_up = client_point(page, "top", drawn["x"] + 1, drawn["y"], ground)
    drag(page, middle, one_metre_up, steps=8)

    # A pedestrian on frame 2 (Escape first: a label key or button relabels the selected cuboid)
    page.locator(".lw-pc-canvas").focus()
    page.keyboard.press("Escape")
    page.keyboard.press(".")
    page.wait_for_function(f"() => {VIEWER}.frame === 1 && {VIEWER}.points && {VIEWER}.stats.points === 20000")
    expect(page.locator(".lw-pc-viewer .lw-frame")).to_have_text("frame 2 / 2")
    page.locator("[data-control=objects] [data-label=pedestrian]").click()
    page.locator(".lw-pc-canvas").focus()
    page.keyboard.press("n")
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+N")  # the car and the van of frame 1 copied to frame 2
    expect(page.locator("[data-control=objects] .lw-region")).to_have_count(5)
    page.keyboard.press("Enter")
    wait_next_task(page, task)

    stored = httpx.get(f"{web_server.url}/api/v1/tasks/{task}", headers=ctx.owner_headers).json()
    result = stored["annotations"][0]["result"]
    car, van_box, walker, car_copy, van_copy = result["objects"]
    for copy, original in ((car_copy, car), (van_copy, van_box)):
        assert copy["frame"] == 1 and copy["id"] != original["id"]
        assert {k: v for k, v in copy.items() if k not in ("id", "frame")} == \
            {k: v for k, v in original.items() if k not in ("id", "frame")}
    assert {k: car[k] for k in ("label", "frame", "x", "y", "length", "width", "height")} == {
        "label": "car", "frame": 0, "x": 0.3, "y": 0.2, "length": 4.4, "width": 1.8, "height": 1.5}
    assert car["z"] == pytest.approx(round(ground + 0.75, 3) + 0.1, abs=1e-9)
    assert car["yaw"] == pytest.approx(math.radians(5), abs=1e-5)
    assert result["occluded"] == {car["id"]: "partly"}
    assert van_box["label"] == "van" and van_box["frame"] == 0 and van_box["yaw"] == 0
    assert van_box["length"] == pytest.approx(3.0, abs=0.1) and van_box["width"] == pytest.approx(6.4, abs=0.1)
    assert van_box["x"] == pytest.approx(van["x"] + 1, abs=0.1) and van_box["y"] == pytest.approx(van["y"], abs=0.1)
    top = van["z"] + van["height"] / 2  # the fitted height runs from the ground to the van's roof
    assert van_box["z"] + van_box["height"] / 2 == pytest.approx(top, abs=0.05)
    assert van_box["z"] - van_box["height"] / 2 == pytest.approx(ground, abs=0.05)
    assert walker["label"] == "pedestrian" and walker["frame"] == 1
    assert (walker["length"], walker["width"], walker["height"]) == (0.6, 0.6, 1.8)


def test_a_3d_track_keyframed_on_two_frames_by_keyboard(page, web_server, web_session):
    schema = {"objects": {"sweep": {"type": "pointcloud"}},
              "controls": {"tracks": {"type": "tracks", "object": "sweep", "labels": ["car"]}}}
    ctx = open_labeling(page, web_server, web_session, schema, [], wait_for_task=False)
    upload = httpx.post(f"{web_server.url}/api/v1/projects/{ctx.project_id}/media", headers=ctx.owner_headers,
                        params={"sequence": "true"},
                        files=[("files", (name, data, "application/octet-stream"))
                               for name, data in sequence(3, points=5000)])
    assert upload.status_code == 201, upload.text
    page.reload()
    page.wait_for_selector("lw-labeling[data-task-id]")
    task = current_task_id(page)
    page.wait_for_function(f"() => {VIEWER}.stats.points === 5000")
    page.locator(".lw-pc-canvas").focus()
    page.keyboard.press("n")  # a track starts on frame 1
    for key in [".", "."]:
        page.keyboard.press(key)
    page.wait_for_function(f"() => {VIEWER}.frame === 2")
    for key in [*["ArrowUp"] * 10, *["e"] * 10]:  # 1 m forward, turned 10° right: a keyframe on frame 3
        page.keyboard.press(key)
    page.keyboard.press(",")  # frame 2 shows the track between its keyframes
    page.wait_for_function(f"() => {VIEWER}.frame === 1 && {VIEWER}.meshes.size === 1")
    expect(page.locator("[data-control=tracks] .lw-region")).to_contain_text("2 keyframes, frames 1–3")
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    stored = httpx.get(f"{web_server.url}/api/v1/tasks/{task}", headers=ctx.owner_headers).json()
    [track] = stored["annotations"][0]["result"]["tracks"]
    first, last = track["keyframes"]
    assert (first["frame"], last["frame"]) == (0, 2) and first["visible"] and last["visible"]
    assert last["x"] == pytest.approx(first["x"] + 1.0, abs=1e-9) and last["y"] == first["y"]
    assert last["yaw"] == pytest.approx(-math.radians(10), abs=1e-5)


def test_points_lassoed_in_the_top_view_take_the_label(page, web_server, web_session):
    import numpy as np

    from labelwise.core.dataio.lidar_demo import sweep

    schema = {"objects": {"sweep": {"type": "pointcloud"}},
              "controls": {"classes": {"type": "point_labels", "object": "sweep", "labels": ["ground", "vehicle"]}}}
    ctx = open_labeling(page, web_server, web_session, schema, [], wait_for_task=False)
    points = sweep(0, points=8000)
    upload = httpx.post(f"{web_server.url}/api/v1/projects/{ctx.project_id}/media", headers=ctx.owner_headers,
                        files=[("files", ("000000.bin", points.tobytes(), "application/octet-stream")),
                               ("files", ("000001.bin", sweep(1, points=8000).tobytes(), "application/octet-stream"))])
    assert upload.status_code == 201, upload.text
    page.reload()
    page.wait_for_selector("lw-labeling[data-task-id]")
    task = current_task_id(page)
    page.wait_for_function(f"() => {VIEWER}.stats.points === 8000")
    # the next task, leased one ahead, has its points fetched already
    page.wait_for_function("() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/points')).length === 2")
    ground = page.evaluate(f"() => {VIEWER}.ground")
    page.locator("[data-control=classes] [data-label=vehicle]").click()
    van = truth(0)[2]  # turned 90°: 2.1 m along x, 5.5 m along y
    half_x, half_y = 1.05 + 0.5, 2.75 + 0.5
    corners = [client_point(page, "top", van["x"] + dx * half_x, van["y"] + dy * half_y, ground)
               for dx, dy in ((1, 1), (1, -1), (-1, -1), (-1, 1), (1, 1))]
    page.mouse.move(*corners[0])
    page.mouse.down()
    for corner in corners[1:]:
        page.mouse.move(*corner, steps=4)
    page.mouse.up()
    expect(page.locator("[data-control=classes] .lw-region")).to_have_count(1)
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    stored = httpx.get(f"{web_server.url}/api/v1/tasks/{task}", headers=ctx.owner_headers).json()
    [region] = stored["annotations"][0]["result"]["classes"]
    assert region["label"] == "vehicle" and "frame" not in region
    chosen = np.zeros(len(points), bool)
    for start, length in region["runs"]:
        chosen[start:start + length] = True
    dx, dy = np.abs(points[:, 0] - van["x"]), np.abs(points[:, 1] - van["y"])
    assert chosen[(dx <= half_x - 0.3) & (dy <= half_y - 0.3)].all()  # everything well inside the lasso
    assert not chosen[(dx > half_x + 0.3) | (dy > half_y + 0.3)].any()  # nothing well outside
    assert chosen.sum() > 500


def test_lidar_template_three_sweeps_by_keyboard(page, web_server, web_session):
    """The lidar_cuboids template's journey: per sweep a cuboid placed, nudged and resized by keys only."""
    from labelwise.schema.templates import TEMPLATES

    ctx = open_labeling(page, web_server, web_session, TEMPLATES["lidar_cuboids"]["schema"], [], wait_for_task=False)
    files = [(f"sweep{i}.bin", data) for i, (_, data) in enumerate(sequence(3, points=5_000))]
    upload = httpx.post(f"{web_server.url}/api/v1/projects/{ctx.project_id}/media", headers=ctx.owner_headers,
                        files=[("files", (name, data, "application/octet-stream")) for name, data in files])
    assert upload.status_code == 201, upload.text
    page.reload()
    page.wait_for_selector("lw-labeling[data-task-id]")
    done = []
    for i in range(3):
        task = current_task_id(page)
        page.wait_for_function(f"() => {VIEWER}.stats.points === 5000 && {VIEWER}.stats.renders > 0")
        page.locator(".lw-pc-canvas").focus()
        for key in ["n", *["ArrowUp"] * (i + 1), *["Alt+ArrowUp"] * i]:  # placed, moved forward, made longer
            page.keyboard.press(key)
        page.keyboard.press("Enter")
        wait_next_task(page, task)
        done.append(task)
    for i, task in enumerate(done):
        (cuboid,) = httpx.get(f"{web_server.url}/api/v1/tasks/{task}",
                              headers=ctx.owner_headers).json()["annotations"][0]["result"]["objects"]
        assert cuboid["label"] == "car" and cuboid["length"] == pytest.approx(4.2 + 0.1 * i), (i, cuboid)
        assert cuboid["x"] == pytest.approx(0.1 * (i + 1)) and cuboid["y"] == 0, (i, cuboid)


def test_next_and_previous_frame_by_keyboard_show_that_frames_points(page, web_server, web_session):
    """. and , switch frames of a sequence; each frame's own points reach the screen, fetched once each (the
    frame next to the shown one is fetched and drawn ahead, not again on the key)."""
    from labelwise.core.dataio.lidar_demo import sweep

    schema = {"objects": {"sweep": {"type": "pointcloud"}},
              "controls": {"objects": {"type": "cuboids", "object": "sweep", "labels": ["car"]}}}
    ctx = open_labeling(page, web_server, web_session, schema, [], wait_for_task=False)
    counts = [3000, 5000, 4000]
    upload = httpx.post(f"{web_server.url}/api/v1/projects/{ctx.project_id}/media", headers=ctx.owner_headers,
                        params={"sequence": "true"},
                        files=[("files", (f"{i:06d}.bin", sweep(i, points=n, seed=i).tobytes(), "application/octet-stream"))
                               for i, n in enumerate(counts)])
    assert upload.status_code == 201, upload.text
    fetched = []
    page.on("request", lambda request: fetched.append(request.url) if request.url.endswith("/points") else None)
    page.reload()
    page.wait_for_function(f"() => {VIEWER}?.stats.frameVisible?.frame === 0")
    canvas = page.locator(".lw-pc-canvas")
    # the next frame is fetched and its views drawn ahead while the page is idle
    page.wait_for_function(f"() => {VIEWER}.layers.get(1)?.targets.top?.key != null")
    canvas.focus()
    first = canvas.screenshot()

    def shown():
        return page.evaluate(f"() => {{ const v = {VIEWER}; return [v.frame, v.stats.frameVisible.frame, v.stats.points, "
                             "v.layer.geometry.getAttribute('position').count]; }")

    page.keyboard.press(".")
    page.wait_for_function(f"() => {VIEWER}.stats.frameVisible.frame === 1")
    assert shown() == [1, 1, 5000, 5000]
    expect(page.locator(".lw-pc-viewer .lw-frame")).to_have_text("frame 2 / 3")
    second = canvas.screenshot()
    assert second != first
    page.keyboard.press(",")
    page.wait_for_function(f"() => {VIEWER}.stats.frameVisible.frame === 0")
    assert shown() == [0, 0, 3000, 3000]
    expect(page.locator(".lw-pc-viewer .lw-frame")).to_have_text("frame 1 / 3")
    assert canvas.screenshot() == first  # the same points, drawn the same way
    page.keyboard.press("PageDown")
    page.keyboard.press("PageDown")
    page.wait_for_function(f"() => {VIEWER}.stats.frameVisible.frame === 2")
    assert shown() == [2, 2, 4000, 4000]
    assert sorted(set(fetched)) == sorted(fetched) and len(fetched) == 3  # each frame's points fetched once


def test_the_app_shells_label_route_asks_for_the_points_early_and_once(page, web_server, web_session):
    """/app/projects/N/label hands the first task it asked for (and the points it warmed) to the labeling page:
    the task is leased once and its points are fetched once, not again when the viewer mounts."""
    from labelwise.core.dataio.lidar_demo import sweep

    schema = {"objects": {"sweep": {"type": "pointcloud"}},
              "controls": {"objects": {"type": "cuboids", "object": "sweep", "labels": ["car"]}}}
    ctx = open_labeling(page, web_server, web_session, schema, [], wait_for_task=False)
    upload = httpx.post(f"{web_server.url}/api/v1/projects/{ctx.project_id}/media", headers=ctx.owner_headers,
                        files=[("files", ("000000.bin", sweep(0, points=6000, seed=3).tobytes(), "application/octet-stream"))])
    assert upload.status_code == 201, upload.text
    login(page, "annie")  # the shell keeps its own login state
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"/app/projects/{ctx.project_id}/label")
    page.wait_for_function("() => document.querySelector('lw-task-editor')?.viewers?.sweep?.stats.frameVisible?.frame === 0")
    assert page.evaluate(f"() => {VIEWER}.stats.points") == 6000
    assert len([u for u in requests if u.endswith("/points")]) == 1
    assert len([u for u in requests if u.endswith(f"/projects/{ctx.project_id}/next")]) == 1
    assert len([u for u in requests if u.endswith(f"/projects/{ctx.project_id}")]) == 1
