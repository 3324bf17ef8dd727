"""Count the SQL statements one annotator's next, submit and submit?next=true cost, on SQLite.

    PYTHONPATH=. python benchmarks/count_statements.py [--database-url URL]

Prints the mean number of statements per request (a SQLAlchemy `before_cursor_execute` listener on the
server's engine), with the statements of the last request of each kind when `--show` is given.
"""

import argparse
import json
import sys
import tempfile
import threading
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labelwise.app import create_app
from labelwise.settings import Settings
from labelwise.store.migrate import upgrade
from labelwise.store.session import make_engine
from tests.factories import add_member, add_tasks, make_project, make_user, texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    settings = Settings(data_dir=tempfile.mkdtemp())
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    engine.dispose()
    app = create_app(settings)
    with TestClient(app) as client:
        with app.state.session_factory() as session:
            manager = make_user(session, "manager")
            annotator = make_user(session, "ann")
            project = make_project(session, manager.user, settings={"overlap": 2})
            add_tasks(session, manager.user, project, texts(args.tasks))
            add_member(session, manager.user, project, annotator.user)
            project_id = project.id
        seen: list[str] = []
        # the request's statements only: the follow-up thread (consensus off the write path) is counted apart
        followups: list[str] = []
        event.listen(app.state.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: (
                         followups if threading.current_thread().name == "labelwise-followups" else seen
                     ).append(statement))
        headers = annotator.headers
        counts: dict[str, list[int]] = {"next": [], "submit": [], "submit?next=true": []}
        last: dict[str, list[str]] = {}

        def measure(kind, call):
            seen.clear()
            response = call()
            assert response.status_code in (200, 201), response.text
            counts[kind].append(len(seen))
            last[kind] = list(seen)
            return response.json()

        answer = {"result": {"sentiment": "positive"}}
        task = None
        for _ in range(args.rounds):
            task = measure("next", lambda: client.get(f"/api/v1/projects/{project_id}/next", headers=headers))["task"]
            measure("submit", lambda task=task: client.post(f"/api/v1/tasks/{task['id']}/annotations",
                                                            json=answer, headers=headers))
        task = client.get(f"/api/v1/projects/{project_id}/next", headers=headers).json()["task"]
        for _ in range(args.rounds):
            body = measure("submit?next=true", lambda task=task: client.post(
                f"/api/v1/tasks/{task['id']}/annotations?next=true", json=answer, headers=headers))
            task = body["next"]["task"]
    print(json.dumps({kind: round(sum(c) / len(c), 2) for kind, c in counts.items()}))
    if args.show:
        for kind, statements in last.items():
            print(f"--- {kind}")
            for statement in statements:
                print("  ", " ".join(statement.split())[:160])


if __name__ == "__main__":
    main()
