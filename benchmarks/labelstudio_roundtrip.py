"""Label Studio's built-in templates × its export formats, through labelwise and back, against a real
Label Studio (pinned, installed from PyPI into its own cached virtualenv; see tests/peers/labelstudio.py).

    PYTHONPATH=. python benchmarks/labelstudio_roundtrip.py [--only SUBSTRING] [--out PATH]

For every template: a Label Studio project from its config, its sample task annotated, drafted and
predicted (with the samples Label Studio's own SDK generates) through the API; every export format it
offers downloaded; each imported into its own labelwise project, exported back as Label Studio JSON,
imported into a new Label Studio project and exported there again in the same format. Also the
whole-instance pull (`labelwise import-labelstudio`) of that server. Writes
benchmarks/results/labelstudio_roundtrip.json and prints the table for docs/labelstudio.md.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labelwise.app import create_app
from labelwise.settings import Settings
from labelwise.store.migrate import upgrade
from labelwise.store.session import make_engine
from tests.factories import make_user
from tests.peers import labelstudio as ls

OUT = Path(__file__).parent / "results" / "labelstudio_roundtrip.json"
COLUMNS = ["SNAPSHOT", "JSON", "JSON_MIN", "CSV", "TSV", "COCO", "VOC", "YOLO", "YOLO_OBB", "CONLL2003", "BRUSH_TO_NUMPY",
           "BRUSH_TO_PNG", "BRUSH_TO_COCO", "ASR_MANIFEST", "DOCLANG"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="templates whose path contains this")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    started = time.monotonic()
    rows = [row for row in ls.templates() if args.only in row["template"]]
    server = ls.start()
    print(f"Label Studio {ls.VERSION} up in {time.monotonic() - started:.0f} s", file=sys.stderr)
    settings = Settings(data_dir=tempfile.mkdtemp())
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    engine.dispose()
    app = create_app(settings)
    table = []
    try:
        with TestClient(app) as client:
            with app.state.session_factory() as session:
                owner = make_user(session, "owner", admin=True)
            for index, row in enumerate(rows):
                entry = {"template": row["template"], "controls": sorted({i["type"] for i in
                                                                          (row.get("annotation") or {}).get("result") or ()})}
                try:
                    filled = ls.fill(server, row, f"{index} {row['template'].rsplit('/', 1)[-1]}")
                    entry["cells"] = ls.through_labelwise(client, owner.headers, server, filled)
                except AssertionError as exc:
                    entry["error"] = str(exc)[:500]
                table.append(entry)
                print(f"{row['template']}: " + (entry.get("error") or " ".join(
                    f"{k}={ls.pretty(v)}" for k, v in entry["cells"].items())), file=sys.stderr)
            pulled = pull_everything(app, server, owner)
    finally:
        server.stop()
    report = {"label_studio": ls.VERSION, "when": time.strftime("%Y-%m-%d"), "seconds": round(time.monotonic() - started, 1), "templates": table,
              "pull": pulled, "totals": totals(table)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(markdown(table))
    print(json.dumps(report["totals"]), json.dumps({k: v for k, v in pulled.items() if k != "projects"}))


def pull_everything(app, server, owner) -> dict:
    """`labelwise import-labelstudio` of the whole server, as the CLI runs it."""
    from labelwise.core.dataio.labelstudio_pull import pull

    started = time.monotonic()
    with app.state.session_factory() as session:
        pulled = pull(session, owner.user, server.url, ls.TOKEN)
        return {"seconds": round(time.monotonic() - started, 1), "projects": len(pulled),
                "failed": {p.title: p.error for p in pulled if p.error},
                "tasks": sum(p.summary.imported for p in pulled if p.summary),
                "annotations": sum(p.summary.annotations for p in pulled if p.summary),
                "predictions": sum(p.summary.predictions for p in pulled if p.summary)}


def totals(table: list[dict]) -> dict:
    out: dict[str, dict[str, int]] = {}
    for entry in table:
        for fmt, cell in (entry.get("cells") or {}).items():
            out.setdefault(fmt, {}).setdefault(cell["status"], 0)
            out[fmt][cell["status"]] += 1
    return out


def markdown(table: list[dict]) -> str:
    used = [c for c in COLUMNS if any(c in (e.get("cells") or {}) for e in table)]
    lines = ["| template | " + " | ".join(used) + " |", "|---|" + "---|" * len(used)]
    for entry in table:
        cells = entry.get("cells") or {}
        if "error" in entry:
            lines.append(f"| {entry['template']} | " + " | ".join("✗" for _ in used) + " |")
            continue
        lines.append(f"| {entry['template']} | " + " | ".join(ls.pretty(cells[c]) if c in cells else "·" for c in used)
                     + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
