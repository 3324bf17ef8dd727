"""The SDK's schema changes: a 409 with its report, a preview, the migration, the versions and a version filter."""

import copy

import pytest

from labelwise import ApiError, Client
from tests.factories import TEXT_SCHEMA, make_user


def test_change_schema_with_a_rename_migration(live_server, session):
    admin = make_user(session, "admin", admin=True)
    with Client(live_server.url, token=admin.token) as sdk:
        project = sdk.create_project("Reviews", TEXT_SCHEMA)
        sdk.import_tasks(project["id"], [{"text": "fine"}, {"text": "meh"}])
        for task in sdk.iter_tasks(project["id"]):
            sdk.submit(task["id"], {"sentiment": "neutral"})
        schema = copy.deepcopy(TEXT_SCHEMA)
        schema["controls"]["sentiment"]["options"] = ["positive", "negative", "mixed"]
        with pytest.raises(ApiError) as refused:
            sdk.change_schema(project["id"], schema)
        assert refused.value.status == 409
        assert refused.value.body["report"]["broken"][0]["labels"]["neutral"]["annotations"] == 2
        migration = [{"op": "rename_label", "control": "sentiment", "from": "neutral", "to": "mixed"}]
        preview = sdk.preview_schema_change(project["id"], schema, migration=migration)
        assert preview["allowed"] and preview["rewritten"]["annotations"] == 2
        assert sdk.change_schema(project["id"], schema, migration=migration)["schema_version"] == 2
        assert [v["number"] for v in sdk.list_versions(project["id"], kind="schema")] == [2, 1]
        assert sdk.get_version(project["id"], "schema", 2)["migration"]["steps"] == migration
        assert {r["consensus"]["sentiment"] for r in sdk.export(project["id"])} == {"mixed"}
        assert list(sdk.export(project["id"], only_labeled=True, schema_version=2)) == []
        assert len(list(sdk.export(project["id"], only_labeled=True, schema_version=1))) == 2

        assert sdk.reannotate(project["id"], before_schema_version=2, dry_run=True) == {
            "mode": "relabel", "annotations": 2, "tasks": 2, "applied": False}
        done = sdk.reannotate(project["id"], mode="review", schema_version=1)
        assert done["applied"] and done["annotations"] == 2
        with pytest.raises(ApiError) as refused:
            sdk.reannotate(project["id"])
        assert refused.value.status == 422 and refused.value.field == "selection"


def test_pilot_round_through_the_sdk(live_server, session):
    admin = make_user(session, "admin", admin=True)
    with Client(live_server.url, token=admin.token) as sdk:
        project = sdk.create_project("Reviews", TEXT_SCHEMA)
        sdk.import_tasks(project["id"], [{"text": "fine"}, {"text": "meh"}, {"text": "bad"}])
        make_user(session, "bob")
        sdk.add_member(project["id"], "admin", "manager")
        sdk.add_member(project["id"], "bob", "annotator")
        pilot = sdk.create_pilot(project["id"], "round 1", ["admin", "bob"], sample=2)
        assert pilot["expected"] == 4
        for task_id in pilot["task_ids"]:
            sdk.submit(task_id, {"sentiment": "neutral"})
        sdk.comment_pilot(pilot["id"], pilot["task_ids"][0], "meh is neutral?")
        report = sdk.pilot_report(pilot["id"])
        assert report["answered"] == 2 and report["comments"][0]["annotator"] == "admin"
        assert [p["name"] for p in sdk.list_pilots(project["id"])] == ["round 1"]
        second = sdk.create_pilot(project["id"], "round 2", ["admin", "bob"], task_ids=[3])
        assert sdk.compare_pilots(pilot["id"], second["id"])["after"]["name"] == "round 2"
