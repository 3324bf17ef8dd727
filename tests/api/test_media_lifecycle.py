"""Media blobs go when their project goes, and HEAD answers a media key's size and type without the bytes."""

import pytest

from tests.api.test_media import settings, stored, upload, world  # noqa: F401
from tests.factories import make_project
from tests.media_helpers import IMAGE_SCHEMA, jpeg, png
from tests.s3_server import moto_server, s3_config  # noqa: F401


def test_deleting_a_project_deletes_its_blobs_and_only_its_own(client, session, settings, world):  # noqa: F811
    owner, _, _, project = world
    other = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Other")
    assert upload(client, owner, project.id, [("a.png", png(1)), ("b.jpg", jpeg(2))]).status_code == 201
    assert upload(client, owner, other.id, [("a.png", png(1))]).status_code == 201  # same bytes, other project
    assert len(stored(settings)) == 3
    assert client.delete(f"/api/v1/projects/{project.id}", headers=owner.headers).status_code == 204
    left = stored(settings)
    assert len(left) == 1 and left[0].startswith(f"{other.id}/")


def test_head_gives_size_and_type_and_checks_permissions(client, world):  # noqa: F811
    owner, annotator, stranger, project = world
    data = png(3)
    assert upload(client, owner, project.id, [("a.png", data)]).status_code == 201
    src = client.get(f"/api/v1/projects/{project.id}/tasks", headers=owner.headers).json()["items"][0]["data"]["photo"]["src"]
    head = client.head(src, headers=annotator.headers)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(data)) and head.headers["content-type"] == "image/png"
    assert "etag" in head.headers
    assert client.head(src, headers=stranger.headers).status_code == 404
    assert client.head(src).status_code == 401
    assert client.head(src.replace(src.rsplit("/", 1)[1], "0" * 64 + ".png"), headers=owner.headers).status_code == 404
