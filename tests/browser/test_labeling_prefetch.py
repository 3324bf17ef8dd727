"""Enter -> next task painted, image included, under load: the labeling page leases the next task ahead
(GET /next?holding=current) and fetches its media while the annotator works, so Enter shows it at once.

Images come from a separate media server that answers after IMAGE_DELAY (an object store far away), while
two API clients label the same project. The same run measures the page with working ahead switched off
(one round trip per Enter, then the image), as the baseline: its p95 must be at least IMAGE_DELAY, or this
test would not measure what it claims."""

import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.browser.test_labeling_support import current_task_id, open_labeling, png_data_uri, wait_next_task
from tests.factories import add_member, make_user

import base64

IMAGE_DELAY = 0.3  # seconds the media server waits before answering
AHEAD_TASKS = 20  # enough for a p95 that is not just the maximum
BASELINE_TASKS = 8
THINK = 0.5  # seconds an annotator looks at a task before pressing Enter (real ones take longer)
SCHEMA = {"objects": {"image": {"type": "image"}},
          "controls": {"animal": {"type": "choices", "object": "image", "options": ["cat", "dog"], "required": True}}}
PNG = base64.b64decode(png_data_uri(640, 480).split(",", 1)[1])


class MediaServer:
    def __init__(self) -> None:
        self.requested: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server API)
                owner.requested.append(self.path)
                time.sleep(IMAGE_DELAY)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(PNG)))
                self.send_header("Cache-Control", "public, max-age=600")
                self.end_headers()
                self.wfile.write(PNG)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def _load(base_url: str, headers: dict, project_id: int, stop: threading.Event, counts: list[int]) -> None:
    """Another annotator at full speed: next, answer, and data-browser reads once the queue is empty."""
    with httpx.Client(base_url=base_url + "/api/v1", headers=headers, timeout=30) as client:
        while not stop.is_set():
            served = client.get(f"/projects/{project_id}/next")
            if served.status_code == 200:
                client.post(f"/tasks/{served.json()['task']['id']}/annotations", json={"result": {"animal": "dog"}})
            else:
                client.get(f"/projects/{project_id}/tasks", params={"limit": 50})
            counts.append(1)


INSTRUMENT = """() => {
  const probe = window.__paint = { t0: null, times: [] };
  document.addEventListener("keydown", (e) => { if (e.key === "Enter") probe.t0 = performance.now(); }, true);
  document.addEventListener("lw-media-loaded", () => requestAnimationFrame(() => {
    if (probe.t0 !== null) { probe.times.push(performance.now() - probe.t0); probe.t0 = null; }
  }), true);
}"""


def _label(page, media: MediaServer, count: int, *, expect_prefetch: bool) -> list[float]:
    before = len(page.evaluate("window.__paint.times"))
    for _ in range(count):
        page.wait_for_function("() => document.querySelector('lw-task-editor').viewers.image.loaded")
        task = current_task_id(page)
        time.sleep(THINK)
        if expect_prefetch:  # the page leased the next task and fetched its image
            assert f"/img/{task + 1}.png" in media.requested
        page.keyboard.press("1")
        page.keyboard.press("Enter")
        wait_next_task(page, task)
        page.wait_for_function(f"() => window.__paint.times.length > {before}")
        before += 1
    return page.evaluate("window.__paint.times")[-count:]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def test_enter_paints_the_next_image_within_100_ms_p95_under_load(page, web_server, web_session):
    media = MediaServer()
    rows = [{"image": f"{media.url}/img/{i + 1}.png"} for i in range(AHEAD_TASKS + BASELINE_TASKS + 4)]
    ctx = open_labeling(page, web_server, web_session, SCHEMA, rows, settings={"overlap": 3})
    assert ctx.task_ids()[0] == 1  # image n belongs to task n
    owner = ctx.session  # two more annotators put the server under load
    stop, counts, threads = threading.Event(), [], []
    from labelwise.store.models import Project, User
    project = owner.get(Project, ctx.project_id)
    manager = owner.get(User, project.created_by)
    for name in ("load1", "load2"):
        caller = make_user(owner, name)
        add_member(owner, manager, project, caller.user)
        threads.append(threading.Thread(target=_load, args=(web_server.url, caller.headers, ctx.project_id, stop, counts)))
    for thread in threads:
        thread.start()
    try:
        page.evaluate(INSTRUMENT)
        with_prefetch = _label(page, media, AHEAD_TASKS, expect_prefetch=True)
        page.evaluate("() => { const p = document.querySelector('lw-labeling'); p.leaseAhead = async () => {}; p.ahead = null; }")
        without = _label(page, media, BASELINE_TASKS, expect_prefetch=False)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        media.stop()
    stored = ctx.results()
    assert len(stored) == AHEAD_TASKS + BASELINE_TASKS and all(a.result == {"animal": "cat"} for a in stored.values())
    assert len(counts) > AHEAD_TASKS + BASELINE_TASKS, "the load clients made too few requests to count as load"
    print(f"Enter -> next image painted, p95: {p95(with_prefetch):.0f} ms with prefetch, "
          f"{p95(without):.0f} ms without; {len(counts)} load requests; all: {[round(x) for x in with_prefetch]}")
    assert p95(without) >= IMAGE_DELAY * 1000, without  # the baseline really waits for the media server
    assert p95(with_prefetch) < 100, with_prefetch
