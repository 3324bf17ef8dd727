"""Browser benchmark of the point-cloud viewer: a 120k-point frame opens, the next frame of a sequence shows
after a key press, and a cuboid dragged in the top view follows the mouse, in Debian's Chromium (WebGL through
SwiftShader, software rendering on the CPU).

It starts labelwise on a temporary SQLite database holding single 120k-point sweeps, a sequence of 120k-point
frames and a 20k-point sweep (KITTI .bin), and measures in the page (performance.now(), ms):
- open, cold: navigation of a fresh browser context to the labeling page until the first frame with the
  points was drawn (firstPointsAt, ms since the page began loading; modules, task and points all fetched),
  with a timeline: three.js fetched, the points asked for and received, the first frame;
- open, warm: the same for a second task (another sweep) in the same context (modules in the cache);
- frame switch: the key for the next (.) or previous (,) frame, from the keydown event's timestamp to the
  animation frame after the first draw showing the new frame's points, with the page idle before each key
  (the viewer has fetched and drawn the neighbouring frames ahead by then); p50/p95/max;
- drag: a cuboid placed with n is dragged with the real mouse in the top view; for each pointermove the
  time from the event (a capturing listener) to the next frame that reached the screen; p50/p95/max;
- fps: frames drawn per second while the mouse keeps moving for about 2 s (bounded by how fast the driver
  sends moves), and render-bound: the cuboid moved on every animation frame for 2 s from the page itself,
  as in a drag (views held) and as keyboard nudges do (side and front views follow, their points redrawn).
Baselines in the same run: a minimal three.js page (one perspective view of the viewer's size, the same
vendored three.js, point size and colours by height) drawing the same 120k points from the same server,
cold, warm and switching between frames already in memory; and the whole measure for a 20k-point sweep.
Writes benchmarks/results/point_cloud_viewer.json.

    python benchmarks/point_cloud_viewer.py [--points 120000] [--baseline 20000] [--frames 6] [--moves 80]
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from labeling_latency import percentile, serve, summary  # noqa: E402

from labelwise.app import create_app  # noqa: E402
from labelwise.core.accounts import users  # noqa: E402
from labelwise.core.dataio import media_import  # noqa: E402
from labelwise.core.dataio.lidar_demo import sequence, sweep  # noqa: E402
from labelwise.core.media.media import MediaLimits  # noqa: E402
from labelwise.core.projects import projects  # noqa: E402
from labelwise.settings import Settings  # noqa: E402
from labelwise.storage.local import LocalStorage  # noqa: E402
from labelwise.store.migrate import upgrade  # noqa: E402
from labelwise.store.models import Task, User  # noqa: E402
from labelwise.store.session import make_engine  # noqa: E402

CHROMIUM = os.environ.get("LABELWISE_CHROMIUM", "/usr/bin/chromium")
OWNER, PASSWORD = "owner", "benchmark password"
SCHEMA = {"objects": {"sweep": {"type": "pointcloud"}},
          "controls": {"objects": {"type": "cuboids", "object": "sweep", "labels": ["car", "pedestrian"]}}}
VIEWER = "document.querySelector('lw-task-editor')?.viewers?.sweep"
INSTRUMENT = f"""() => {{
  const viewer = {VIEWER};
  window.__moves = [];
  viewer.canvas.addEventListener('pointermove', () => window.__moves.push(performance.now()), true);
  viewer.stats.visible = [];
}}"""

RENDER_FPS = f"""async (hold) => {{
  const viewer = {VIEWER};
  const control = document.querySelector('lw-task-editor').controls.objects;
  const id = control.regions()[0].id;
  viewer.holdViews(hold);
  const start = performance.now(), renders = viewer.stats.renders;
  let step = 0;
  while (performance.now() - start < 2000) {{
    const box = control.region(id);
    control.setCuboid(id, 0, {{ ...box, x: box.x + (step++ % 2 ? 0.05 : -0.05) }}, {{ record: false }});
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }}
  viewer.holdViews(false);
  return Math.round(10 * (viewer.stats.renders - renders) / ((performance.now() - start) / 1000)) / 10;
}}"""

# Both whole views (perspective, top) of frame f drawn ahead with the cameras as they are.
DRAWN_AHEAD = f"""(f) => {{
  const viewer = {VIEWER}, layer = viewer.layers.get(f);
  return !!layer && ['perspective', 'top'].every((v) => layer.targets[v]?.key === viewer._viewKey(layer, '', viewer[v]));
}}"""

# Waits for the GPU (SwiftShader, on the CPU) to finish what it was given: reading a pixel back is synchronous.
GPU_IDLE = """(canvas) => { const gl = canvas.getContext('webgl2') || canvas.getContext('webgl');
  gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4)); }"""

KEYDOWNS = "() => { window.__keys = []; window.addEventListener('keydown', (e) => window.__keys.push(e.timeStamp), true); }"

# The baseline: what three.js alone costs for the same points. __URLS__ and __SIZE__ are filled in per run.
BASELINE_HTML = """<!doctype html><html><body style="margin:0"><canvas id="c"></canvas><script type="module">
import * as THREE from "/static/vendor/three/three.module.js";
const urls = __URLS__, [w, h] = __SIZE__, canvas = document.getElementById("c");
const renderer = new THREE.WebGLRenderer({ canvas, antialias: false });
renderer.setPixelRatio(1);
renderer.setSize(w, h);
const scene = new THREE.Scene();
scene.background = new THREE.Color(0x10141c);
const camera = new THREE.PerspectiveCamera(50, w / h, 0.1, 1000);
camera.up.set(0, 0, 1);
camera.position.set(-40, 0, 25);
camera.lookAt(0, 0, -1);
const cloud = new THREE.Points(new THREE.BufferGeometry(),
  new THREE.PointsMaterial({ size: 2, sizeAttenuation: false, vertexColors: true }));
cloud.frustumCulled = false;
scene.add(cloud);
const frames = urls.map((url, i) => i === 0 ? load(url) : null);
function load(url) { return fetch(url, { credentials: "same-origin" }).then((r) => r.arrayBuffer()).then((b) => new Float32Array(b)); }
function geometryOf(points) {
  const n = points.length / 4, colors = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const t = Math.min(1, Math.max(0, (points[i * 4 + 2] + 2) / 4));
    colors[i * 3] = 255 * t; colors[i * 3 + 1] = 255 * (1 - Math.abs(2 * t - 1)); colors[i * 3 + 2] = 255 * (1 - t);
  }
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute("position", new THREE.InterleavedBufferAttribute(new THREE.InterleavedBuffer(points, 4), 3, 0));
  geometry.setAttribute("color", new THREE.BufferAttribute(colors, 3, true));
  return geometry;
}
let frame = 0;
async function show(i) {
  const points = await frames[i];
  cloud.geometry.dispose();
  cloud.geometry = geometryOf(points);
  renderer.render(scene, camera);
  const drawnAt = performance.now();
  requestAnimationFrame(() => { window.__shown = { frame: i, drawnAt, at: performance.now() }; });
}
show(0).then(() => { for (let i = 1; i < urls.length; i++) frames[i] = load(urls[i]); });
document.addEventListener("keydown", (e) => { if (e.key === ".") show(frame = (frame + 1) % urls.length); });
</script></body></html>"""


def seed(app, tmp: Path, name: str, files: list[tuple[str, bytes]], *, is_sequence: bool = False) -> dict:
    """A project whose one task is these sweeps; its id and the /points URL of each frame."""
    with app.state.session_factory() as session:
        owner = _owner(session)
        project = projects.create_project(session, owner, name=name, label_schema=SCHEMA)
        folder = tmp / name
        folder.mkdir()
        for file_name, data in files:
            (folder / file_name).write_bytes(data)
        media_import.import_media(session, owner, project.id,
                                  [media_import.MediaFile(n, folder / n) for n, _ in files],
                                  storage=LocalStorage(app.state.settings.resolved_media_dir), limits=MediaLimits(),
                                  sequence=is_sequence)
        value = session.scalars(select(Task.data).where(Task.project_id == project.id)).one()["sweep"]
        frames = value["frames"] if isinstance(value, dict) and "frames" in value else [value]
        srcs = [frame["src"] if isinstance(frame, dict) else frame for frame in frames]
        return {"id": project.id, "points_urls": [src + "/points" for src in srcs]}


def _owner(session):
    existing = session.scalars(select(User).where(User.username == OWNER)).first()
    return existing or users.create_user(session, username=OWNER, password=PASSWORD, is_admin=True)


def new_page(browser, base: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    assert page.request.post(base + "/api/v1/auth/login", data={"username": OWNER, "password": PASSWORD}).ok
    return page, errors


# Where an open's time went (ms since the page began loading): three.js fetched, the points asked for and
# received (Resource Timing), the first frame with them drawn.
TIMELINE = f"""() => {{
  const entry = (end) => performance.getEntriesByType('resource').find((e) => e.name.split('?')[0].endsWith(end));
  const three = entry('/three.core.js'), points = entry('/points'), ms = (v) => Math.round(10 * v) / 10;
  return {{ three_js_loaded: three ? ms(three.responseEnd) : null, points_requested: ms(points.startTime),
           points_received: ms(points.responseEnd), first_frame: ms({VIEWER}.stats.firstPointsAt) }};
}}"""


def open_task(page, base: str, project_id: int) -> dict:
    page.goto(f"{base}/static/labeling/label.html?project={project_id}")
    page.wait_for_function(f"() => {VIEWER} && {VIEWER}.stats.firstPointsAt !== null", timeout=60_000)
    timeline = page.evaluate(TIMELINE)
    return {"open_ms": timeline["first_frame"], "timeline_ms": timeline,
            "points": page.evaluate(f"() => {VIEWER}.stats.points")}


def drag_and_fps(page, moves: int) -> dict:
    page.locator(".lw-pc-canvas").focus()
    page.keyboard.press("n")
    page.wait_for_function(f"() => {VIEWER}.meshes.size === 1")
    centre = page.evaluate(f"() => {{ const c = document.querySelector('lw-task-editor').value.objects[0]; "
                           f"return {VIEWER}.clientPoint('top', c.x, c.y, c.z); }}")
    page.evaluate(INSTRUMENT)
    x, y = centre["x"], centre["y"]
    page.mouse.move(x, y)
    page.mouse.down()
    latencies = []
    for i in range(moves):
        page.mouse.move(x + (i % 20) - 10, y - (i % 10))
        page.wait_for_function("n => window.__moves.length >= n", arg=i + 1, polling="raf")
        t = page.evaluate("() => window.__moves[window.__moves.length - 1]")
        page.wait_for_function(f"t => {VIEWER}.stats.visible.some((v) => v > t)", arg=t, polling="raf")
        seen = page.evaluate(f"t => {VIEWER}.stats.visible.find((v) => v > t)", t)
        latencies.append(seen - t)
    before = page.evaluate(f"() => [{VIEWER}.stats.renders, performance.now()]")
    deadline = time.monotonic() + 2.0
    k = 0
    while time.monotonic() < deadline:
        k += 1
        page.mouse.move(x + (k % 40) - 20, y + (k % 16) - 8)
    after = page.evaluate(f"() => [{VIEWER}.stats.renders, performance.now()]")
    page.mouse.up()
    render_fps = {mode: page.evaluate(RENDER_FPS, mode == "drag") for mode in ("drag", "nudge")}
    moved = page.evaluate("() => document.querySelector('lw-task-editor').value.objects[0]")
    return {
        "drag_response_ms": summary(latencies[5:]),
        "drag_fps": round((after[0] - before[0]) / ((after[1] - before[1]) / 1000), 1),
        "mouse_moves_during_fps": k,
        "render_bound_fps": render_fps,
        "cuboid_moved_to": {key: moved[key] for key in ("x", "y")},
        "drag_meets_100ms": percentile(latencies[5:], 95) < 100,
    }


def frame_switches(page, base: str, project: dict) -> dict:
    """Forward through the sequence with ., then back with ,: each key pressed once the page is idle."""
    frames = len(project["points_urls"])
    open_task(page, base, project["id"])
    page.evaluate(KEYDOWNS)
    page.locator(".lw-pc-canvas").focus()
    latencies, draws = [], []
    order = [*range(1, frames), *range(frames - 2, -1, -1)]
    current = 0
    for target in order:
        page.wait_for_function(DRAWN_AHEAD, arg=target, timeout=30_000)
        page.locator(".lw-pc-canvas").evaluate(GPU_IDLE)
        page.keyboard.press("." if target > current else ",")
        page.wait_for_function(f"f => {VIEWER}.stats.frameVisible?.frame === f", arg=target, timeout=30_000)
        pressed = page.evaluate("() => window.__keys[window.__keys.length - 1]")
        visible = page.evaluate(f"() => {VIEWER}.stats.frameVisible")
        latencies.append(visible["at"] - pressed)
        draws.append(visible["drawMs"])
        current = target
    shown = page.evaluate(f"() => [{VIEWER}.frame, {VIEWER}.stats.points]")
    return {"frames": frames, "switches": len(latencies), "switch_ms": summary(latencies),
            "switch_draw_main_thread_ms": summary(draws), "ended_on_frame": shown[0], "points_shown": shown[1]}


def baseline(browser, base: str, single: dict, warm: dict, seq: dict, size: list[int]) -> dict:
    """The minimal three.js page: cold open, warm open (another sweep, same context), frame switch."""
    page, errors = new_page(browser, base)

    def route(urls):
        html = BASELINE_HTML.replace("__URLS__", json.dumps(urls)).replace("__SIZE__", json.dumps(size))
        page.context.unroute("**/bench/baseline.html")
        page.context.route("**/bench/baseline.html", lambda r: r.fulfill(body=html, content_type="text/html"))

    def opened(urls):
        route(urls)
        page.goto(f"{base}/bench/baseline.html")
        page.wait_for_function("() => window.__shown", timeout=60_000)
        return page.evaluate("() => Math.round(10 * window.__shown.drawnAt) / 10")

    result = {"open_cold_ms": opened(single["points_urls"]), "open_warm_ms": opened(warm["points_urls"])}
    opened(seq["points_urls"])
    page.evaluate(KEYDOWNS)
    latencies, frames = [], len(seq["points_urls"])
    for press in range(2 * (frames - 1)):
        page.wait_for_timeout(300)
        page.locator("canvas").evaluate(GPU_IDLE)
        page.keyboard.press(".")
        page.wait_for_function("f => window.__shown.frame === f", arg=(press + 1) % frames)
        latencies.append(page.evaluate("() => window.__shown.at - window.__keys[window.__keys.length - 1]"))
    result["switch_ms"] = summary(latencies)
    page.context.close()
    assert not errors, errors
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=120_000)
    parser.add_argument("--baseline", type=int, default=20_000)
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--moves", type=int, default=80)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "point_cloud_viewer.json"))
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = create_app(Settings(data_dir=Path(tmp), database_url=url))
        n = args.points
        single = seed(app, Path(tmp), "single", [("sweep.bin", sweep(0, points=n).astype("<f4").tobytes())])
        warm = seed(app, Path(tmp), "warm", [("other.bin", sweep(0, points=n, seed=1).astype("<f4").tobytes())])
        seq = seed(app, Path(tmp), "sequence", sequence(args.frames, points=n, seed=2), is_sequence=True)
        small = seed(app, Path(tmp), "small", [("small.bin", sweep(0, points=args.baseline).astype("<f4").tobytes())])
        app.state.engine.dispose()
        process, base = serve(tmp, url)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
                page, errors = new_page(browser, base)
                cold = open_task(page, base, single["id"])
                view = page.evaluate(f"() => {VIEWER}._layout().perspective")
                warmed = open_task(page, base, warm["id"])
                viewer = {"points": cold["points"], "open_cold_ms": cold["open_ms"], "open_warm_ms": warmed["open_ms"],
                          "timeline_cold_ms": cold["timeline_ms"], "timeline_warm_ms": warmed["timeline_ms"],
                          **frame_switches(page, base, seq)}
                open_task(page, base, single["id"])
                viewer.update(drag_and_fps(page, args.moves))
                page.context.close()
                assert not errors, errors
                page, errors = new_page(browser, base)
                small_run = {"open_cold_ms": open_task(page, base, small["id"])["open_ms"], **drag_and_fps(page, args.moves)}
                page.context.close()
                assert not errors, errors
                three_only = baseline(browser, base, single, warm, seq, [view["w"], view["h"]])
                version = browser.version
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)

    switch_p95 = viewer["switch_ms"]["p95"]
    result = {
        "benchmark": "point-cloud viewer: open a sweep, switch frames of a sequence, drag a cuboid in the top view",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "viewer": viewer,
        "baseline_three_js_page": three_only,
        f"viewer_{args.baseline}_points": small_run,
        "ratios_vs_three_js_page": {
            "open_cold": round(viewer["open_cold_ms"] / three_only["open_cold_ms"], 2),
            "open_warm": round(viewer["open_warm_ms"] / three_only["open_warm_ms"], 2),
            "switch_p95": round(switch_p95 / three_only["switch_ms"]["p95"], 2),
        },
        f"ratios_vs_{args.baseline}_points": {
            "drag_p95": round(viewer["drag_response_ms"]["p95"] / small_run["drag_response_ms"]["p95"], 2),
            "fps": round(viewer["drag_fps"] / small_run["drag_fps"], 2),
        },
        "target": f"{n} points: a frame opens (frame switch p95) and a cuboid drag responds (p95) within 100 ms",
        "meets_target": {"frame_switch": switch_p95 < 100, "drag": viewer["drag_meets_100ms"],
                         "open_warm": viewer["open_warm_ms"] < 100, "open_cold": viewer["open_cold_ms"] < 100},
        "how": "Labeling page in headless Chromium; one WebGL canvas, four views (perspective, top, side, front) "
               "drawn on demand; the baseline page draws one perspective view of the same size with the same "
               "three.js; response = input event's timestamp to the animation frame after the draw.",
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "python": platform.python_version(), "chromium": version, "webgl": "SwiftShader",
                    "server": "uvicorn, one worker process"},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
