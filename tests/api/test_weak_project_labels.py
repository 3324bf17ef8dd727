"""Labeling functions of kind `project`: votes from another project's final labels (gold, else consensus),
matched by external id or content hash; only for callers who may read that project's labels."""

from sqlalchemy import select

from labelwise.store.models import LabelingFunctionVote, Task
from tests.api.test_weak import SCHEMA, create, url
from tests.factories import add_member, add_tasks, make_project, make_user

TEXTS = ["buy now http://x", "great song", "plz subscribe", "nice video"]


def setup(session):
    manager = make_user(session, "manager")
    source = make_project(session, manager.user, schema=SCHEMA)
    target = make_project(session, manager.user, schema=SCHEMA)
    add_tasks(session, manager.user, source, [{"text": t, "external_id": f"v{i}"} for i, t in enumerate(TEXTS)])
    add_tasks(session, manager.user, target, [{"text": t.upper(), "external_id": f"v{i}"} for i, t in enumerate(TEXTS)]
              + [{"text": t} for t in TEXTS[:2]])
    # Final labels of the source: consensus on three tasks (one outside the schema's options).
    finals = {"v0": "spam", "v1": "ham", "v3": "maybe"}
    for task in session.query(Task).filter(Task.project_id == source.id):
        if task.external_id in finals:
            task.consensus = {"kind": finals[task.external_id]}
    session.commit()
    return manager, source, target


def votes(client, manager, target, function_id):
    analysis = client.get(url(target, "/analysis"), headers=manager.headers).json()
    return {row["id"]: row for row in analysis["functions"]}[function_id]


def test_votes_come_from_the_source_projects_final_labels(client, session):
    manager, source, target = setup(session)
    by_id = create(client, manager, target, {"name": "from source", "kind": "project", "project_id": source.id})
    by_hash = create(client, manager, target, {"name": "by hash", "kind": "project", "project_id": source.id,
                                               "match": "content_hash"})
    report = client.post(url(target, "/apply"), headers=manager.headers).json()
    assert sorted(report["recomputed"]) == ["by hash", "from source"] and report["failed"] == {}
    # by external id: v0 and v1 (v3's "maybe" is not an option: abstain); by content hash: the two
    # target tasks without an external id whose data equals the source's.
    assert votes(client, manager, target, by_id["id"])["coverage"] == 2 / 6
    assert votes(client, manager, target, by_hash["id"])["coverage"] == 2 / 6
    assert report["votes_written"] == 4
    cast = session.execute(select(Task.data["text"].as_string(), LabelingFunctionVote.label)
                           .join(Task, Task.id == LabelingFunctionVote.task_id)
                           .where(LabelingFunctionVote.function_id == by_id["id"])).all()
    assert sorted(cast) == [("BUY NOW HTTP://X", "spam"), ("GREAT SONG", "ham")]


def test_the_caller_must_be_able_to_read_the_source(client, session):
    manager, source, target = setup(session)
    other = make_user(session, "other")
    mine = make_project(session, other.user, schema=SCHEMA)
    body = {"name": "steal", "kind": "project", "project_id": source.id}
    assert client.post(url(mine), json=body, headers=other.headers).status_code == 404
    add_member(session, manager.user, source, other.user, role="annotator")
    assert client.post(url(mine), json=body, headers=other.headers).status_code == 403
    bad = client.post(url(target), json={**body, "project_id": target.id}, headers=manager.headers)
    assert bad.status_code == 422 and bad.json()["field"] == "project_id"
    add_member(session, manager.user, source, other.user, role="reviewer")
    assert client.post(url(mine), json=body, headers=other.headers).status_code == 201
