"""Labeling time-based media in a real browser: segments on audio (waveform decoded in the page) with a
transcript per segment, tracks with keyframes and interpolation plus segments on a video recorded in
the browser, and segments on a time series chart."""

import math

from playwright.sync_api import expect

from tests.browser.test_labeling_support import current_task_id, drag, open_labeling, screenshot, wait_next_task, wav_data_uri

# Record a one-second 25 fps WebM of a moving square from a canvas: nothing is downloaded.
RECORD_WEBM = """async () => {
  const canvas = Object.assign(document.createElement('canvas'), {width: 160, height: 120});
  const ctx = canvas.getContext('2d');
  const stream = canvas.captureStream(25);
  const recorder = new MediaRecorder(stream, {mimeType: 'video/webm;codecs=vp8'});
  const chunks = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  const done = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start();
  for (let i = 0; i < 25; i++) {
    ctx.fillStyle = '#203040'; ctx.fillRect(0, 0, 160, 120);
    ctx.fillStyle = '#f0c000'; ctx.fillRect(10 + i * 4, 10, 40, 30);
    await new Promise((r) => setTimeout(r, 40));
  }
  recorder.stop();
  await done;
  const blob = new Blob(chunks, {type: 'video/webm'});
  return await new Promise((resolve) => { const reader = new FileReader(); reader.onload = () => resolve(reader.result); reader.readAsDataURL(blob); });
}"""


def box_of(page, selector):
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    return box["x"], box["y"], box["width"], box["height"]


def test_label_audio_segments_with_transcripts(page, web_server, web_session):
    schema = {
        "objects": {"audio": {"type": "audio"}},
        "controls": {
            "speakers": {"type": "segments", "object": "audio", "labels": ["speaker_1", "speaker_2"]},
            "transcript": {"type": "text", "object": "audio", "per_region": True, "regions_of": "speakers"},
        },
    }
    ctx = open_labeling(page, web_server, web_session, schema, [{"audio": {"src": wav_data_uri(2.0), "duration": 2.0}}, {"audio": wav_data_uri(1.0)}])
    first = current_task_id(page)
    page.wait_for_function("() => document.querySelector('lw-task-editor').viewers.audio.peaks !== null")
    drawn = page.evaluate("() => { const c = document.querySelector('.lw-wave canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                          " let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }")
    assert drawn > 1000  # the waveform is on the canvas
    x, y, w, h = box_of(page, ".lw-wave")
    drag(page, (x + 0.25 * w, y + h / 2), (x + 0.5 * w, y + h / 2))
    # keyboard: speaker 2 for the next segment (the new one stays speaker 1), mark 1.5 s to 2.0 s
    page.keyboard.press("2")
    for _ in range(3):
        page.keyboard.press(".")
    page.keyboard.press("m")
    page.keyboard.press(".")
    page.keyboard.press("m")
    areas = page.locator("[data-control=transcript] textarea")
    assert areas.count() == 2
    areas.nth(0).fill("Hello, how can I help?")
    areas.nth(1).fill("My order <script>x</script> is late.")
    page.keyboard.press("Escape")
    screenshot(page, "audio")
    page.keyboard.press("Enter")
    wait_next_task(page, first)

    result = ctx.results()[0].result
    one, two = sorted(result["speakers"], key=lambda s: s["start"])
    assert one["label"] == "speaker_1" and abs(one["start"] - 0.5) < 0.02 and abs(one["end"] - 1.0) < 0.02
    assert two["label"] == "speaker_2" and (two["start"], two["end"]) == (1.5, 2.0)
    assert result["transcript"] == {one["id"]: "Hello, how can I help?", two["id"]: "My order <script>x</script> is late."}


def test_label_video_tracks_and_segments(page, web_server, web_session):
    page.goto("about:blank")
    webm = page.evaluate(RECORD_WEBM)
    assert webm.startswith("data:video/webm")
    schema = {
        "objects": {"video": {"type": "video"}},
        "controls": {
            "tracks": {"type": "tracks", "object": "video", "labels": ["square", "ball"]},
            "scenes": {"type": "segments", "object": "video", "labels": ["intro", "action"]},
        },
    }
    video = {"src": webm, "width": 160, "height": 120, "frames": 25, "frame_rate": 25, "duration": 1.0}
    ctx = open_labeling(page, web_server, web_session, schema, [{"video": video}, {"video": video}])
    first = current_task_id(page)

    def at(vx, vy):
        return tuple(page.eval_on_selector(".lw-video-svg", "(svg, [x, y]) => { const p = svg.createSVGPoint(); p.x = x; p.y = y;"
                                           " const q = p.matrixTransform(svg.querySelector('.lw-content').getScreenCTM()); return [q.x, q.y]; }", [vx, vy]))

    page.click("[data-control=tracks] .lw-control-title")
    drag(page, at(10, 10), at(50, 40))
    for _ in range(10):
        page.keyboard.press(".")
    assert "frame 10 /" in page.inner_text(".lw-frame")
    drag(page, at(30, 25), at(70, 25))  # move the (held) box: a keyframe at frame 10
    for _ in range(5):
        page.keyboard.press(",")
    interpolated = page.eval_on_selector(".lw-video-svg [data-region] rect", "r => +r.getAttribute('x')")
    assert abs(interpolated - 30) < 1.5  # halfway between x=10 (frame 0) and x=50 (frame 10)
    page.keyboard.press("Shift+.")
    page.keyboard.press("Shift+.")  # frame 25 -> clamped to 24
    page.keyboard.press("Home")
    for _ in range(20):
        page.keyboard.press(".")
    page.keyboard.press("h")  # out of view from frame 20
    assert page.locator(".lw-video-svg [data-region]").count() == 0

    page.click("[data-control=scenes] .lw-control-title")
    page.keyboard.press("4")  # action: the scene keys follow the track labels' 1-2
    x, y, w, h = box_of(page, ".lw-timeline")
    drag(page, (x + 0.2 * w, y + h / 2), (x + 0.6 * w, y + h / 2))
    screenshot(page, "video")
    page.keyboard.press("Enter")
    wait_next_task(page, first)

    result = ctx.results()[0].result
    [track] = result["tracks"]
    assert track["label"] == "square"
    frames = [(k["frame"], k["visible"]) for k in track["keyframes"]]
    assert frames == [(0, True), (10, True), (20, False)]
    k0, k10, _ = track["keyframes"]
    assert abs(k0["x"] - 10) < 1.5 and abs(k0["width"] - 40) < 1.5 and abs(k10["x"] - 50) < 1.5 and abs(k10["y"] - 10) < 1.5
    [scene] = result["scenes"]
    assert scene["label"] == "action" and abs(scene["start"] - 0.2) < 0.02 and abs(scene["end"] - 0.6) < 0.02


def test_label_timeseries_segments(page, web_server, web_session):
    schema = {
        "objects": {"series": {"type": "timeseries", "channels": ["temperature", "vibration"]}},
        "controls": {"events": {"type": "segments", "object": "series", "labels": ["anomaly", "maintenance"], "allow_overlap": False}},
    }
    times = list(range(100))
    series = {"time": times, "temperature": [20 + 5 * math.sin(t / 8) for t in times], "vibration": [abs(math.cos(t / 5)) for t in times]}
    ctx = open_labeling(page, web_server, web_session, schema, [{"series": series}, {"series": series}])
    first = current_task_id(page)
    x, y, w, h = box_of(page, ".lw-chart-overlay")
    page.keyboard.press("2")  # maintenance for the segment about to be drawn
    drag(page, (x + 0.2 * w, y + h / 2), (x + 0.4 * w, y + h / 2))
    page.keyboard.press("1")  # anomaly for the next one: the new segment keeps its label
    for _ in range(6):
        page.keyboard.press("Shift+.")  # cursor to 60% of the range
    page.keyboard.press("m")
    page.keyboard.press("Shift+.")
    page.keyboard.press("m")
    # an overlapping one is refused (allow_overlap: false)
    drag(page, (x + 0.3 * w, y + h / 2), (x + 0.65 * w, y + h / 2))
    assert page.locator("[data-control=events] .lw-region").count() == 2
    screenshot(page, "timeseries")
    page.keyboard.press("Enter")
    wait_next_task(page, first)

    result = ctx.results()[0].result
    a, b = sorted(result["events"], key=lambda s: s["start"])
    assert a["label"] == "maintenance" and abs(a["start"] - 19.8) < 0.3 and abs(a["end"] - 39.6) < 0.3
    assert b["label"] == "anomaly" and abs(b["start"] - 59.4) < 1e-6 and abs(b["end"] - 69.3) < 1e-6


def test_boxes_on_video_frames_and_a_current_status_line(page, web_server, web_session):
    page.goto("about:blank")
    webm = page.evaluate(RECORD_WEBM)
    schema = {
        "objects": {"video": {"type": "video"}},
        "controls": {
            "tracks": {"type": "tracks", "object": "video", "labels": ["square"]},
            "boxes": {"type": "boxes", "object": "video", "labels": ["glitch"]},
        },
    }
    video = {"src": webm, "width": 160, "height": 120, "frames": 25, "frame_rate": 25, "duration": 1.0}
    ctx = open_labeling(page, web_server, web_session, schema, [{"video": video}, {"video": video}])
    first = current_task_id(page)

    def at(vx, vy):
        return tuple(page.eval_on_selector(".lw-video-svg", "(svg, [x, y]) => { const p = svg.createSVGPoint(); p.x = x; p.y = y;"
                                           " const q = p.matrixTransform(svg.querySelector('.lw-content').getScreenCTM()); return [q.x, q.y]; }", [vx, vy]))

    status = page.locator("lw-task-editor .lw-editor-status")
    frame_info = page.locator(".lw-frame")
    drag(page, at(10, 10), at(50, 40))  # a track from frame 0 (tracks is the first control)
    for _ in range(10):
        page.keyboard.press(".")
    drag(page, at(30, 25), at(70, 25))  # moved on frame 10: a second keyframe
    expect(status).to_have_text("square (2 keyframes, frames 0–10)")
    expect(frame_info).to_contain_text("frame 10 / 24")
    expect(frame_info).to_contain_text("keyframe here")
    for _ in range(5):
        page.keyboard.press(",")
    expect(frame_info).to_contain_text("interpolated")
    assert abs(page.eval_on_selector(".lw-video-svg [data-region] rect", "r => +r.getAttribute('x')") - 30) < 1.5

    page.click("[data-control=boxes] .lw-control-title")
    page.keyboard.press(".")  # frame 6
    drag(page, at(100, 60), at(140, 100))
    boxes = page.locator(".lw-video-svg .lw-region-shape")
    expect(boxes).to_have_count(1)  # drawn on its frame
    page.keyboard.press(".")
    expect(boxes).to_have_count(0)  # not on frame 7
    page.keyboard.press(",")
    expect(boxes).to_have_count(1)
    screenshot(page, "video-boxes")
    page.keyboard.press("Enter")
    wait_next_task(page, first)

    result = ctx.results()[0].result
    [track] = result["tracks"]
    assert [k["frame"] for k in track["keyframes"]] == [0, 10]
    [box] = result["boxes"]
    assert box["frame"] == 6 and box["label"] == "glitch" and abs(box["x"] - 100) < 1.5 and abs(box["width"] - 40) < 1.5


def test_timeseries_from_a_csv_with_axes_channels_and_zoom(page, web_server, web_session):
    rows = ["time,temperature,humidity,pressure"] + [f"{t},{20 + 5 * math.sin(t / 8):.3f},{50 + t / 10:.2f},{1000 + (t % 7)}" for t in range(200)]
    page.route(web_server.url + "/series.csv", lambda route: route.fulfill(body="\n".join(rows), content_type="text/csv"))
    schema = {"objects": {"series": {"type": "timeseries"}},
              "controls": {"events": {"type": "segments", "object": "series", "labels": ["anomaly"]}}}
    ctx = open_labeling(page, web_server, web_session, schema, [{"series": web_server.url + "/series.csv"}, {"series": web_server.url + "/series.csv"}])
    first = current_task_id(page)
    lines = page.locator(".lw-chart polyline.lw-line")
    expect(lines).to_have_count(3)  # one lane per CSV column
    assert [lines.nth(i).get_attribute("data-channel") for i in range(3)] == ["temperature", "humidity", "pressure"]
    assert all(len(lines.nth(i).get_attribute("points").split()) >= 100 for i in range(3))

    def x_ticks():
        bottom = page.eval_on_selector_all(".lw-chart text.lw-tick[text-anchor=middle]", "ts => ts.map((t) => +t.textContent)")
        assert len(bottom) >= 3 and bottom == sorted(bottom)
        return bottom

    assert x_ticks()[0] == 0 and x_ticks()[-1] >= 150
    value_labels = page.eval_on_selector_all(".lw-chart text.lw-tick[text-anchor=end]", "ts => ts.map((t) => t.textContent)")
    assert "50" in value_labels and "69.9" in value_labels  # each lane has its own value axis (humidity 50..69.9)
    for _ in range(5):
        page.keyboard.press("Shift+.")  # cursor to 50% of the series: 99.5
    page.keyboard.press("+")
    page.keyboard.press("+")  # a quarter of the series around the cursor
    expect(page.locator(".lw-time")).to_contain_text("view 74.625–124.375 of 0–199")
    assert all(74 <= t <= 125 for t in x_ticks())
    page.keyboard.press("m")
    for _ in range(10):
        page.keyboard.press(".")  # 1% of the view each
    page.keyboard.press("m")
    x, y, w, h = box_of(page, ".lw-chart-overlay")
    drag(page, (x + 0.1 * w, y + h / 2), (x + 0.2 * w, y + h / 2))
    screenshot(page, "timeseries-zoomed")
    page.keyboard.press("-")
    page.keyboard.press("-")
    expect(page.locator(".lw-time")).to_contain_text("range 0–199")
    page.keyboard.press("Enter")
    wait_next_task(page, first)
    a, b = sorted(ctx.results()[0].result["events"], key=lambda s: s["start"])
    assert abs(a["start"] - 79.6) < 0.3 and abs(a["end"] - 84.575) < 0.3  # drawn in the zoomed view, stored in series time
    assert (b["start"], b["end"]) == (99.5, 104.475)
