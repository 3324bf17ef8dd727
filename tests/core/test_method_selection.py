"""A refit picks the aggregation method by held-out evidence, shows why, and honours a manager's override."""

import numpy as np
import pytest

from labelwise.core.dataio import importing
from labelwise.core.projects import projects
from labelwise.core.review import gold, skills
from labelwise.errors import Invalid
from labelwise.formats.rows import Row
from labelwise.quality import METHODS
from labelwise.store.models import Member, Task, User
from tests.factories import make_project, make_user

LABELS = ["positive", "negative"]


@pytest.fixture
def crowd(session):
    """60 tasks answered by three careful annotators (90 % right) and two adversarial ones (80 % wrong)."""
    owner = make_user(session, "owner")
    project = make_project(session, owner.user)
    rng = np.random.default_rng(4)
    accuracy = {"good1": 0.9, "good2": 0.9, "good3": 0.9, "bad1": 0.2, "bad2": 0.2}
    people = {name: make_user(session, name).user for name in accuracy}
    truth = rng.integers(0, 2, size=60)
    rows = []
    for i, label in enumerate(truth):
        answers = [{"user": name, "result": {"sentiment": LABELS[label if rng.random() < p else 1 - label]}}
                   for name, p in accuracy.items()]
        rows.append(Row(i + 1, {"data": {"text": f"review {i}"}, "annotations": answers}))
    for person in people.values():
        projects.set_member(session, owner.user, project.id, member=person, role="annotator")
    importing.import_tasks(session, owner.user, project.id, rows)
    return owner, project, truth


def add_gold(session, owner, project, truth, n):
    for task, label in zip(session.query(Task).filter_by(project_id=project.id).order_by(Task.id).limit(n), truth):
        gold.set_gold(session, owner.user, task.id, {"sentiment": LABELS[label]})


def test_with_enough_gold_the_method_most_accurate_on_gold_is_fitted_and_explained(session, crowd):
    owner, project, truth = crowd
    add_gold(session, owner, project, truth, 40)
    summary = skills.refit(session, owner.user, project.id)
    assert summary.chosen_by == summary.criterion == "gold_accuracy" and set(summary.scores) == set(METHODS)
    fitted = {m: s["value"] for m, s in summary.scores.items() if s["value"] is not None}
    assert fitted[summary.method] == max(fitted.values())
    assert fitted[summary.method] >= fitted["mv"] and summary.reason
    by_name = dict(session.query(User.username, Member.skill).join(Member, Member.user_id == User.id)
                   .filter(Member.project_id == project.id))
    assert min(by_name["good1"], by_name["good2"]) > max(by_name["bad1"], by_name["bad2"])
    assert skills.last_refit(session, project.id, "sentiment")["method"] == summary.method


def test_without_gold_withheld_answers_decide(session, crowd):
    owner, project, _ = crowd
    summary = skills.refit(session, owner.user, project.id)
    assert summary.chosen_by == "heldout_log_likelihood"
    fitted = {m: s["value"] for m, s in summary.scores.items() if s["value"] is not None}
    assert fitted[summary.method] == max(fitted.values()) and len(fitted) >= 4


def test_a_manager_override_is_fitted_and_the_evidence_still_shown(session, crowd):
    owner, project, _ = crowd
    projects.update_project(session, owner.user, project.id, {"settings": {"aggregation_methods": {"sentiment": "mv"}}})
    summary = skills.refit(session, owner.user, project.id)
    assert (summary.method, summary.chosen_by) == ("mv", "override") and set(summary.scores) == set(METHODS)
    assert skills.refit(session, owner.user, project.id, method="glad").method == "glad"
    with pytest.raises(Invalid) as refused:
        skills.refit(session, owner.user, project.id, method="vote")
    assert refused.value.field == "method"


def test_the_api_refuses_an_unknown_method_naming_the_field_and_reports_the_choice(client, session, crowd):
    owner, project, _ = crowd
    url = f"/api/v1/projects/{project.id}/quality/refit"
    bad = client.post(url, json={"method": "vote"}, headers=owner.headers)
    assert bad.status_code == 422 and "method" in bad.text
    done = client.post(url, json={"method": "ds"}, headers=owner.headers)
    assert done.status_code == 200 and done.json()["method"] == "ds"
    report = client.get(f"/api/v1/projects/{project.id}/quality", headers=owner.headers).json()
    assert report["method"]["method"] == "ds" and report["method"]["chosen_by"] == "override"
    assert set(report["method"]["scores"]) == set(METHODS)
