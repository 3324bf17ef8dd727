"""Zip bombs: per-entry and whole-archive unpack limits, spent on the bytes actually written, for media zips and
YOLO zips alike."""

import pytest
import yaml

from labelwise.settings import Settings
from tests.factories import make_project, make_user
from tests.media_helpers import IMAGE_SCHEMA, png, zip_of

MiB = 1024 * 1024


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def world(session):
    owner = make_user(session, "owner")
    return owner, make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")


def written_bytes() -> int:
    """Bytes this process has passed to write() so far (Linux /proc/self/io)."""
    with open("/proc/self/io") as fp:
        return next(int(line.split()[1]) for line in fp if line.startswith("wchar:"))


def post_zip(client, owner, project, body: bytes, **params):
    return client.post(f"/api/v1/projects/{project.id}/media", content=body, params=params,
                       headers={**owner.headers, "content-type": "application/zip"})


def test_many_small_zero_entries_are_refused_before_they_unpack(client, world):
    owner, project = world
    bomb = zip_of({f"{i:03d}.png": bytes(MiB) for i in range(100)})  # 100 MiB of zeros in ~100 KB
    before = written_bytes()
    response = post_zip(client, owner, project, bomb)
    assert response.status_code == 422 and "zip bomb" in response.json()["message"], response.text
    assert written_bytes() - before < 8 * MiB


def test_a_whole_archive_may_not_unpack_past_its_ratio(client, world, settings):
    owner, project = world
    settings.max_zip_ratio = 3  # each entry (60 KiB of zeros) is under the small-entry floor; the archive is not
    response = post_zip(client, owner, project, zip_of({f"{i}.png": bytes(60 * 1024) for i in range(20)}))
    assert response.status_code == 422 and "zip bomb" in response.json()["message"], response.text


def test_the_total_unpacked_size_has_its_own_limit(client, world, settings):
    owner, project = world
    images = {f"{i}.png": png(i, (400, 400)) for i in range(6)}
    settings.max_unzipped_bytes = sum(len(data) for data in images.values()) - 1
    response = post_zip(client, owner, project, zip_of(images))
    assert response.status_code == 422, response.text
    settings.max_unzipped_bytes = 4 * 1024**3
    assert post_zip(client, owner, project, zip_of(images)).status_code == 201


def test_a_yolo_label_file_bomb_is_refused(client, world):
    owner, project = world
    dataset = zip_of({"images/a.png": png(1), "data.yaml": yaml.safe_dump({"names": ["car"]}).encode(),
                      **{f"labels/a{i}.txt": b"0" * MiB for i in range(50)}})
    before = written_bytes()
    response = post_zip(client, owner, project, dataset, format="yolo")
    assert response.status_code == 422 and "zip bomb" in response.json()["message"], response.text
    assert written_bytes() - before < 8 * MiB


def test_ordinary_media_zips_still_import(client, world):
    owner, project = world
    response = post_zip(client, owner, project, zip_of({f"{i}.png": png(i) for i in range(3)}))
    assert response.status_code == 201, response.text
