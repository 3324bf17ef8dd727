"""Who may create projects is a site setting: everyone (the default) or administrators only."""

import pytest

from labelwise.settings import Settings
from tests.factories import TEXT_SCHEMA, make_user

LS_CONFIG = ('<View><Text name="text" value="$text"/>'
             '<Choices name="label" toName="text"><Choice value="a"/><Choice value="b"/></Choices></View>')


@pytest.fixture(params=["everyone", "admins"])
def settings(request, tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, project_creators=request.param)


def create_both_ways(client, caller):
    plain = client.post("/api/v1/projects", json={"name": "p", "label_schema": TEXT_SCHEMA}, headers=caller.headers)
    from_ls = client.post("/api/v1/projects/from-labelstudio", json={"name": "ls", "label_config_xml": LS_CONFIG},
                          headers=caller.headers)
    return plain, from_ls


def test_non_admins_create_projects_only_when_everyone_may(client, session, settings):
    user = make_user(session, "alice")
    for response in create_both_ways(client, user):
        if settings.project_creators == "everyone":
            assert response.status_code == 201, response.text
        else:
            assert response.status_code == 403
            assert "LABELWISE_PROJECT_CREATORS" in response.json()["detail"]


def test_admins_always_create_projects(client, session, settings):
    admin = make_user(session, "root", admin=True)
    for response in create_both_ways(client, admin):
        assert response.status_code == 201, response.text
