"""A real Label Studio (the `label-studio` package from PyPI, pinned) for the migration round trip: its own
virtualenv, a server on a temporary data directory, its built-in templates with the sample tasks and
annotations its own SDK generates, and the round trip itself (Label Studio -> every export format ->
labelwise -> Label Studio JSON -> Label Studio again), shared by the peer test and
benchmarks/labelstudio_roundtrip.py.

The virtualenv is cached under ~/.cache/labelwise-test-venvs (or $LABELWISE_TEST_VENVS), and so is a
migrated empty database (migrating Label Studio's SQLite takes minutes; copying it, a second). Nothing the
server does reaches the network: version checks, analytics and Sentry are switched off.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import venv
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

VERSION = "1.23.2"
PACKAGES = [f"label-studio=={VERSION}"]
VENVS = Path(os.environ.get("LABELWISE_TEST_VENVS", Path.home() / ".cache" / "labelwise-test-venvs"))
HOME = VENVS / f"label-studio-{VERSION}"
USER, PASSWORD, TOKEN = "admin@example.com", "labelwise-peer-1", "labelwise-peer-token"

# Label Studio export type -> labelwise import format ("yolo" goes through the media import of a zip)
IMPORTS = {"JSON": "labelstudio", "SNAPSHOT": "labelstudio", "JSON_MIN": "labelstudio_min", "CSV": "labelstudio_csv", "TSV": "labelstudio_tsv",
           "COCO": "coco", "VOC": "voc", "YOLO": "yolo", "CONLL2003": "conll"}

SAMPLES = r'''
import json, sys, pathlib, yaml
from label_studio_sdk.label_interface import LabelInterface
import label_studio
root = pathlib.Path(label_studio.__file__).parent / "annotation_templates"
out = []
for path in sorted(root.glob("**/config.yml")):
    meta = yaml.safe_load(path.read_text())
    row = {"template": str(path.parent.relative_to(root)), "title": meta.get("title"), "config": meta.get("config", "")}
    try:
        li = LabelInterface(row["config"])
        row["task"] = li.generate_sample_task(mode="upload", secure_mode=False)
        row["annotation"] = li.generate_sample_annotation()
        row["prediction"] = li.generate_sample_prediction()
    except Exception as exc:
        row["error"] = f"{type(exc).__name__}: {exc}"
    out.append(row)
json.dump(out, sys.stdout)
'''


class Unavailable(Exception):
    """Label Studio cannot be installed or started here (the reason is the message)."""


def python() -> Path:
    """The virtualenv's python with label-studio installed (installed once, then cached)."""
    python = HOME / "bin" / "python"
    done = HOME / ".installed"
    if done.exists():
        return python
    try:
        venv.create(HOME, with_pip=True, clear=True)
        install = subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], capture_output=True,
                                 text=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        raise Unavailable(f"could not install {' '.join(PACKAGES)} into a virtualenv: {exc}") from None
    if install.returncode != 0:
        raise Unavailable(f"pip install {' '.join(PACKAGES)} failed:\n{install.stdout[-1500:]}{install.stderr[-1500:]}")
    done.write_text(" ".join(PACKAGES))
    return python


def templates() -> list[dict[str, Any]]:
    """Every built-in template: its config, and a sample task, annotation and prediction from Label Studio's SDK."""
    cached = HOME / "templates.json"
    if not cached.exists():
        made = subprocess.run([str(python()), "-c", SAMPLES], capture_output=True, text=True, timeout=300)
        if made.returncode != 0:
            raise Unavailable(f"listing Label Studio's templates failed:\n{made.stderr[-1500:]}")
        cached.write_text(made.stdout)
    return json.loads(cached.read_text())


def _environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO", "DJANGO", "HOST"))}
    return {**env, "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir), "LATEST_VERSION_CHECK": "false",
            "COLLECT_ANALYTICS": "false", "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "", "SECRET_KEY": "labelwise-peer",
            "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true", "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true", "DJANGO_DB": "sqlite"}


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    data_dir: Path
    log: Path
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, headers={"Authorization": f"Token {TOKEN}"}, timeout=300)

    def call(self, method: str, path: str, **options: Any) -> Any:
        response = self.http.request(method, path, **options)
        if response.status_code >= 400:
            raise AssertionError(f"Label Studio {method} {path}: {response.status_code} {response.text[:800]}")
        return response

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def start() -> Server:
    """A Label Studio on a fresh data directory (a copy of the cached migrated database), ready for requests."""
    exe = python()
    data_dir = Path(tempfile.mkdtemp(prefix="labelstudio-"))
    template = HOME / "migrated.sqlite3"
    if template.exists():
        shutil.copy(template, data_dir / "label_studio.sqlite3")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = data_dir / "server.log"
    process = subprocess.Popen(
        [str(exe.parent / "label-studio"), "start", "--no-browser", "--host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(data_dir), "--username", USER, "--password", PASSWORD, "--user-token", TOKEN,
         "--enable-legacy-api-token"],
        cwd=data_dir, env=_environment(data_dir), stdout=open(log, "w"), stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, data_dir, log)
    deadline = time.monotonic() + 600
    while True:
        try:
            if server.http.get("/api/projects", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            text = log.read_text()[-3000:]
            server.stop()
            raise Unavailable(f"Label Studio {VERSION} did not start:\n{text}")
        time.sleep(0.5)
    if not template.exists():  # migrated once: later starts copy it (the admin user and token are in it)
        source, copy = sqlite3.connect(data_dir / "label_studio.sqlite3"), sqlite3.connect(f"{template}.part")
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
        os.replace(f"{template}.part", template)
    return server


# ---- the round trip ---------------------------------------------------------------------------------------

VOLATILE = {"id", "annotation_id", "annotator", "created_at", "updated_at", "task", "project", "updated_by",
            "unique_id", "import_id", "inner_id", "date_created", "last_action", "parent_prediction",
            "parent_annotation", "last_created_by", "bulk_created", "completed_by", "draft_created_at",
            "prediction", "result_count", "image_id", "year", "info"}


@dataclass
class Filled:
    """One Label Studio project made from a template, with its task, annotation, draft and prediction."""

    template: str
    config: str
    project_id: int
    exports: dict[str, bytes]  # every export type Label Studio offers for it
    snapshot: list[dict]  # the full JSON snapshot (predictions and drafts in full)


def fill(server: Server, row: dict[str, Any], title: str) -> Filled:
    """A project from a template's config, its sample task annotated, drafted and predicted through the API."""
    project = server.call("POST", "/api/projects", json={"title": title[:50].ljust(3, "_"),
                                                           "label_config": row["config"]}).json()
    pid = project["id"]
    server.call("POST", f"/api/projects/{pid}/import", json=[row["task"]])
    [task] = server.call("GET", "/api/tasks", params={"project": pid}).json()["tasks"]
    result = sized(row["config"], (row.get("annotation") or {}).get("result") or [])
    server.call("POST", f"/api/tasks/{task['id']}/annotations", json={"result": result, "lead_time": 12.5})
    server.call("POST", f"/api/tasks/{task['id']}/drafts", json={"result": result, "lead_time": 3.25})
    predicted = sized(row["config"], (row.get("prediction") or {}).get("result") or [])
    server.call("POST", "/api/predictions", json={"task": task["id"], "result": predicted, "score": 0.5,
                                                 "model_version": "sample-1"})
    formats = server.call("GET", f"/api/projects/{pid}/export/formats").json()
    exports = {}
    for offered in formats:
        if offered.get("disabled") or offered["name"].endswith("_WITH_IMAGES"):  # those download the media
            continue
        exports[offered["name"]] = server.call("GET", f"/api/projects/{pid}/export",
                                               params={"exportType": offered["name"]}).content
    snapshot = snapshot_export(server, pid)
    exports["SNAPSHOT"] = json.dumps(snapshot).encode()  # the full export: predictions and drafts written out
    return Filled(row["template"], row["config"], pid, exports, snapshot)


def sized(config: str, items: list[dict]) -> list[dict]:
    """The SDK's sample image regions with the image size Label Studio's editor writes into every one
    (`original_width`/`original_height`, `image_rotation`); its converters to COCO, VOC and YOLO need them."""
    import re

    images = set(re.findall(r'<Image\b[^>]*?\bname="([^"]+)"', config))
    return [{**item, "original_width": 1024, "original_height": 768, "image_rotation": 0}
            if item.get("to_name") in images and item.get("type") != "choices" and "x" in (item.get("value") or {})
            or item.get("to_name") in images and "points" in (item.get("value") or {})
            else item for item in items]


def ls_snapshot_options() -> dict:
    from labelwise.core.dataio.labelstudio_pull import SNAPSHOT_OPTIONS

    return SNAPSHOT_OPTIONS


def snapshot_export(server: Server, pid: int) -> list[dict]:
    """The full JSON export (a snapshot: predictions and drafts written out, not as ids)."""
    made = server.call("POST", f"/api/projects/{pid}/exports", json=ls_snapshot_options()).json()
    for _ in range(600):
        state = server.call("GET", f"/api/projects/{pid}/exports/{made['id']}").json()
        if state.get("status") == "completed":
            break
        if state.get("status") == "failed":
            raise AssertionError(f"Label Studio's snapshot export failed: {state}")
        time.sleep(0.1)
    return server.call("GET", f"/api/projects/{pid}/exports/{made['id']}/download",
                       params={"exportType": "JSON"}).json()


def import_back(server: Server, config: str, title: str, tasks: list[dict]) -> tuple[int, dict[str, bytes]]:
    """A new Label Studio project with the same config, `tasks` (Label Studio JSON) imported, and its exports."""
    pid = server.call("POST", "/api/projects", json={"title": title[:50].ljust(3, "_"), "label_config": config}).json()["id"]
    server.call("POST", f"/api/projects/{pid}/import", json=tasks)
    formats = server.call("GET", f"/api/projects/{pid}/export/formats").json()
    exports = {f["name"]: server.call("GET", f"/api/projects/{pid}/export", params={"exportType": f["name"]}).content
               for f in formats if not f.get("disabled") and not f["name"].endswith("_WITH_IMAGES")}
    return pid, exports


def comparable(fmt: str, blob: bytes) -> Any:
    """An export with what differs by construction (ids, times, who) taken out."""
    if blob[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            out = {}
            for name in sorted(archive.namelist()):
                if name.endswith("/") or name.startswith("images/"):
                    continue
                body = archive.read(name)
                key = name.rsplit("__", 1)[-1] if name.startswith("labels/") else name.rsplit("/", 1)[-1]
                out[key] = comparable(name.rsplit(".", 1)[-1], body)
            return out
    text = blob.decode("utf-8", "replace")
    if fmt in ("JSON", "JSON_MIN", "COCO", "json"):
        return _strip(json.loads(text))
    if fmt in ("CSV", "TSV"):
        import csv
        rows = list(csv.DictReader(io.StringIO(text), delimiter="\t" if fmt == "TSV" else ","))
        return [_strip({k: _json_cell(v) for k, v in row.items()}) for row in rows]
    if fmt == "xml":
        import re
        return re.sub(r"<(folder|filename|path)>.*?</\1>", "", text)
    return text


def _json_cell(value: Any) -> Any:
    """A CSV cell holding JSON compared as JSON: key order is not data (PostgreSQL's JSONB stores keys sorted)."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Where two comparable exports differ, as paths (`[0].annotations[0].result[1].value.x: 3 != 4`)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after), key=str):
            if key not in after:
                out.append(f"{path}.{key}: lost")
            elif key not in before:
                out.append(f"{path}.{key}: added")
            else:
                out += differences(before[key], after[key], f"{path}.{key}")
        return out
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{path}: {len(before)} items != {len(after)}"]
        return [d for i, (b, a) in enumerate(zip(before, after)) for d in differences(b, a, f"{path}[{i}]")]
    if before != after and not (isinstance(before, (int, float)) and isinstance(after, (int, float))
                                and abs(before - after) < 1e-6):
        return [f"{path}: {json.dumps(before)[:80]} != {json.dumps(after)[:80]}"]
    return []


def result_items(tasks: list[dict], *keys: str) -> list[dict]:
    """Every result item of `keys` (annotations by default; predictions, drafts), sorted together by
    (from_name, id): a draft imported here becomes a prediction, so the two are one list after a round trip."""
    items = [item for task in tasks if isinstance(task, dict) for key in keys or ("annotations",)
             for entry in task.get(key) or () if isinstance(entry, dict)
             for item in entry.get("result") or () if isinstance(item, dict)]
    return sorted(items, key=lambda i: (str(i.get("from_name")), str(i.get("id")), json.dumps(i, sort_keys=True)))


def through_labelwise(client, headers: dict, server: Server, filled: Filled) -> dict[str, dict]:
    """Each export of `filled` imported into its own labelwise project, exported back as Label Studio JSON,
    imported into Label Studio again and exported there in the same format: what survived, per format."""
    cells: dict[str, dict] = {}
    for fmt, blob in sorted(filled.exports.items()):
        if fmt not in IMPORTS:
            cells[fmt] = {"status": "no importer"}
            continue
        made = client.post("/api/v1/projects/from-labelstudio", headers=headers,
                           json={"name": f"{filled.template} {fmt}"[:200], "label_config_xml": filled.config})
        if made.status_code != 201:
            cells[fmt] = {"status": "config refused", "error": made.text[:300]}
            continue
        pid = made.json()["project"]["id"]
        if IMPORTS[fmt] == "yolo":
            answer = client.post(f"/api/v1/projects/{pid}/media", params={"format": "yolo", "into": "annotations"},
                                 content=blob, headers={**headers, "content-type": "application/zip"})
        else:
            params = {"format": IMPORTS[fmt]} | ({} if fmt in ("JSON", "JSON_MIN", "CSV", "TSV") else
                                                 {"into": "annotations"})
            answer = client.post(f"/api/v1/projects/{pid}/import", params=params, content=blob,
                                 headers={**headers, "content-type": "application/octet-stream"})
        if answer.status_code != 201:
            cells[fmt] = {"status": "refused", "error": answer.text[:400]}
            continue
        summary = answer.json()
        if not summary.get("imported"):
            cells[fmt] = {"status": "empty"}  # Label Studio wrote nothing into this format for this project
            continue
        cell = {"status": "imported", "tasks": summary.get("imported"), "annotations": summary.get("annotations")}
        exported = client.get(f"/api/v1/projects/{pid}/export", params={"format": "labelstudio"}, headers=headers)
        if exported.status_code != 200:
            cells[fmt] = {**cell, "status": "export failed", "error": exported.text[:400]}
            continue
        ours = exported.json()
        if fmt in ("JSON", "SNAPSHOT"):  # field by field: annotations, predictions (drafts become predictions)
            source = json.loads(blob)
            cell["labelwise"] = {key: differences(result_items(source, key), result_items(ours, key))
                                 for key in ("annotations", "predictions")}
            cell["labelwise"]["predictions"] = differences(
                result_items(source, "predictions", "drafts"), result_items(ours, "predictions"))
        try:
            back, again = import_back(server, filled.config, f"back {filled.template} {fmt}", ours)
        except AssertionError as exc:
            cell.update(status="refused by Label Studio", error=str(exc)[:400])
            cells[fmt] = cell
            continue
        if fmt == "JSON":
            before, after = result_items(json.loads(blob)), result_items(json.loads(again.get("JSON", b"[]")))
        elif fmt == "SNAPSHOT":  # annotations and predictions back in Label Studio, compared field by field
            later = snapshot_export(server, back)
            before = [result_items(filled.snapshot), result_items(filled.snapshot, "predictions", "drafts")]
            after = [result_items(later), result_items(later, "predictions")]
        else:
            before, after = comparable(fmt, blob), comparable(fmt, again.get(fmt, b""))
        cell["labelstudio"] = differences(before, after)
        lost = cell["labelstudio"] or any(cell.get("labelwise", {}).values())
        cell["status"] = "differs" if lost else "same"
        cells[fmt] = cell
    return cells


def pretty(cell: dict) -> str:
    """A table cell: ✓ (same after the round trip), ~ (imported, fields differ), ✗ (refused), · (not offered)."""
    status = cell["status"]
    if status == "same":
        return "✓"
    if status == "differs":
        count = len(cell["labelstudio"]) + sum(len(v) for v in cell.get("labelwise", {}).values())
        return f"~{count}"
    if status == "no importer":
        return "–"
    if status == "empty":
        return "∅"
    return "✗"
