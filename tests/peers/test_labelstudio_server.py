"""A real Label Studio (pinned, from PyPI, in its own cached virtualenv; see tests/peers/labelstudio.py):
projects from a representative subset of its own templates, annotated, drafted and predicted through its
API, every export format it offers imported into labelwise, exported back as Label Studio JSON, imported
into Label Studio again and compared there; then `labelwise import-labelstudio` of the whole server.
benchmarks/labelstudio_roundtrip.py runs all the templates (the table in docs/labelstudio.md).
Skips with the reason when Label Studio cannot be installed or started.
"""

import sys
import time
import uuid

import pytest
from sqlalchemy import select

from labelwise.store.models import Annotation, Prediction, Project, Task
from tests.factories import make_user
from tests.peers import labelstudio as ls

pytestmark = pytest.mark.peers

# One of each kind of control, as far as its samples go: text spans, boxes, key points, polygons, choices,
# text areas, ratings, taxonomy, ranker, time series, paragraphs, video regions, HyperText.
SUBSET = [
    "computer-vision/object-detection-with-bounding-boxes",
    "computer-vision/image-classification",
    "videos/video-frame-classification",
    "natural-language-processing/text-summarization",
]
# What must come through unchanged (field by field) for the subset; anything else is reported, not failed
# (the full table: benchmarks/labelstudio_roundtrip.py).
MUST = {"SNAPSHOT", "JSON", "JSON_MIN", "CSV", "TSV"}


@pytest.fixture(scope="module")
def server():
    try:
        started = time.monotonic()
        rows = {row["template"]: row for row in ls.templates()}
        running = ls.start()
    except ls.Unavailable as exc:
        pytest.skip(str(exc))
    print(f"\nLabel Studio {ls.VERSION} ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
    running.rows = rows
    yield running
    running.stop()


@pytest.mark.timeout(600)
def test_label_studio_templates_go_through_labelwise_and_back(client, session, server):
    owner = make_user(session, "owner", admin=True)
    lost = {}
    for index, template in enumerate(SUBSET):
        filled = ls.fill(server, server.rows[template], f"{index} {template.rsplit('/', 1)[-1]}")
        assert {"SNAPSHOT", "JSON", "JSON_MIN", "CSV", "TSV"} <= set(filled.exports), template
        cells = ls.through_labelwise(client, owner.headers, server, filled)
        print(f"{template}: " + " ".join(f"{k}={ls.pretty(v)}" for k, v in cells.items()), file=sys.stderr)
        for fmt, cell in cells.items():
            if fmt in MUST and cell["status"] != "same":
                lost[f"{template} {fmt}"] = cell
    assert lost == {}


@pytest.mark.timeout(600)
def test_import_labelstudio_pulls_the_whole_server(session, server):
    from labelwise.core.dataio.labelstudio_pull import pull

    row = server.rows["computer-vision/image-classification"]
    run = f"pull {uuid.uuid4().hex[:6]}"  # the server outlives one database's run: count only this run's projects
    for index in range(2):
        ls.fill(server, row, f"{run} {index}")
    owner = make_user(session, "importer", admin=True)
    pulled = [p for p in pull(session, owner.user, server.url, ls.TOKEN) if p.title.startswith(run)]
    assert [p.error for p in pulled] == [None, None]
    for item in pulled:
        assert session.get(Project, item.project_id) is not None
        tasks = session.scalars(select(Task.id).where(Task.project_id == item.project_id)).all()
        assert len(tasks) == item.summary.imported >= 1
    last = pulled[-1]
    annotation = session.scalars(select(Annotation).where(Annotation.project_id == last.project_id)).one()
    assert annotation.lead_time_ms == 12500 and annotation.result
    versions = set(session.scalars(select(Prediction.model_version).where(Prediction.project_id == last.project_id)))
    assert "sample-1" in versions  # the snapshot export: predictions in full, not ids


@pytest.mark.timeout(600)
def test_import_labelstudio_copies_an_uploaded_image(client, session, app, server):
    import io

    from PIL import Image

    from labelwise.core.dataio.labelstudio_pull import pull

    picture = io.BytesIO()
    Image.new("RGB", (7, 5), (30, 120, 210)).save(picture, format="PNG")
    uploaded = picture.getvalue()
    run = f"media {uuid.uuid4().hex[:6]}"
    config = server.rows["computer-vision/image-classification"]["config"]
    pid = server.call("POST", "/api/projects", json={"title": run, "label_config": config}).json()["id"]
    server.call("POST", f"/api/projects/{pid}/import", files={"file": ("upload.png", uploaded, "image/png")})
    [task] = server.call("GET", "/api/tasks", params={"project": pid}).json()["tasks"]
    [source] = task["data"].values()
    assert source.startswith(f"/data/upload/{pid}/")  # a file in Label Studio's own storage, behind its token
    assert server.http.get(source, headers={"Authorization": "Token wrong"}).status_code == 401

    owner = make_user(session, "media-importer", admin=True)
    [item] = [p for p in pull(session, owner.user, server.url, ls.TOKEN, storage=app.state.storage)
              if p.title == run]
    assert item.error is None and item.media.failures == []
    assert (item.media.files, item.media.references, item.media.bytes) == (1, 1, len(uploaded))
    [stored] = session.scalars(select(Task).where(Task.project_id == item.project_id)).all()
    [value] = stored.data.values()
    assert value["src"].startswith(f"/api/v1/media/{item.project_id}/") and (value["width"], value["height"]) == (7, 5)
    assert app.state.storage.get_bytes(value["src"].removeprefix("/api/v1/media/")) == uploaded
    shown = client.get(f"/api/v1/projects/{item.project_id}/next", headers=owner.headers).json()["task"]["data"]
    [page_value] = shown.values()
    served = client.get(page_value["src"], headers=owner.headers)
    assert served.status_code == 200 and served.content == uploaded

    annotation = server.call("POST", f"/api/tasks/{task['id']}/annotations", json={"result": []}).json()
    # the community edition has no reviews to pull: no such route (docs/labelstudio.md, "Not yet")
    assert server.http.get(f"/api/annotations/{annotation['id']}/reviews").status_code == 404
