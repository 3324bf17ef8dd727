"""Helpers for the labeling-page browser tests: seed a project, log an annotator in, read results back.

Media is generated here (PNG with Pillow, WAV with `wave`) so nothing is downloaded.
"""

import base64
import io
import math
import struct
import wave
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from labelwise.core.projects import projects
from labelwise.store.models import Annotation, Task
from tests.factories import PASSWORD, add_member, add_tasks, make_project, make_user
from tests.browser.screenshots import save_screenshot

LABEL_PAGE = "/static/labeling/label.html?project={id}"


@dataclass
class Labeling:
    project_id: int
    session: Any
    annotator_id: int
    owner_headers: dict
    server_url: str

    def results(self) -> dict[int, dict]:
        """Submitted results by task position (0-based, import order) for the annotator."""
        self.session.rollback()
        tasks = list(self.session.scalars(select(Task).where(Task.project_id == self.project_id).order_by(Task.id)))
        position = {task.id: i for i, task in enumerate(tasks)}
        rows = self.session.scalars(select(Annotation).where(Annotation.project_id == self.project_id, Annotation.user_id == self.annotator_id))
        return {position[a.task_id]: a for a in rows}

    def task_ids(self) -> list[int]:
        self.session.rollback()
        return list(self.session.scalars(select(Task.id).where(Task.project_id == self.project_id).order_by(Task.id)))


def open_labeling(page, web_server, web_session, schema: dict, rows: list[dict], *, guidelines: str = "",
                  settings: dict | None = None, wait_for_task: bool = True) -> Labeling:
    owner = make_user(web_session, "owner", admin=True)
    annotator = make_user(web_session, "annie")
    project = make_project(web_session, owner.user, schema=schema, settings=settings, name="Labeling test")
    if guidelines:
        projects.update_project(web_session, owner.user, project.id, {"guidelines": guidelines})
    add_member(web_session, owner.user, project, annotator.user)
    if rows:
        add_tasks(web_session, owner.user, project, rows)
    response = page.request.post(web_server.url + "/api/v1/auth/login", data={"username": "annie", "password": PASSWORD})
    assert response.ok, response.text()
    page.goto(LABEL_PAGE.format(id=project.id))
    if wait_for_task:
        page.wait_for_selector("lw-labeling[data-task-id]")
    return Labeling(project.id, web_session, annotator.user.id, owner.headers, web_server.url)


def current_task_id(page) -> int | None:
    value = page.get_attribute("lw-labeling", "data-task-id")
    return int(value) if value else None


def wait_next_task(page, previous: int | None) -> None:
    """Until another task is on screen and the answer to the previous one has landed (the page shows the task
    leased ahead at once, while the answer is still on its way)."""
    page.wait_for_function(
        "prev => { const p = document.querySelector('lw-labeling');"
        " return p && p.dataset.taskId !== String(prev) && p.phase !== 'loading' && !p.sending; }",
        arg=previous,
    )


def screenshot(page, name: str) -> None:
    save_screenshot(page, f"labeling-{name}")


def png_data_uri(width: int, height: int, draw=None) -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (70, 110, 160))
    pen = ImageDraw.Draw(image)
    for x in range(0, width, 40):
        pen.line([(x, 0), (x, height)], fill=(90, 130, 180))
    for y in range(0, height, 40):
        pen.line([(0, y), (width, y)], fill=(90, 130, 180))
    if draw:
        draw(pen)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def wav_data_uri(seconds: float = 2.0, rate: int = 8000) -> str:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = bytearray()
        for i in range(int(seconds * rate)):
            t = i / rate
            envelope = 0.8 if int(t * 2) % 2 == 0 else 0.15
            frames += struct.pack("<h", int(32767 * envelope * math.sin(2 * math.pi * 440 * t)))
        out.writeframes(bytes(frames))
    return "data:audio/wav;base64," + base64.b64encode(buffer.getvalue()).decode()


def image_point(page, selector: str, x: float, y: float) -> tuple[float, float]:
    """Client coordinates of the image pixel (x, y) inside the SVG stage `selector`."""
    return tuple(page.eval_on_selector(
        selector,
        "(svg, [x, y]) => { const p = svg.createSVGPoint(); p.x = x; p.y = y;"
        " const q = p.matrixTransform(svg.querySelector('.lw-content').getScreenCTM()); return [q.x, q.y]; }",
        [x, y],
    ))


def drag(page, start: tuple[float, float], end: tuple[float, float], steps: int = 6, button: str = "left") -> None:
    page.mouse.move(*start)
    page.mouse.down(button=button)
    page.mouse.move(*end, steps=steps)
    page.mouse.up(button=button)
