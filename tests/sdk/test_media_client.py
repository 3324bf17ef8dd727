"""The SDK's media and duplicate methods against a real server: upload, fetch, signed URLs, clusters."""

import httpx
import pytest

from labelwise import ApiError, Client
from tests.factories import make_user
from tests.media_helpers import IMAGE_SCHEMA, png, zip_of


@pytest.fixture
def sdk(live_server, session):
    admin = make_user(session, "admin", admin=True)
    with Client(live_server.url, token=admin.token) as client:
        yield client


def test_upload_fetch_sign_and_find_duplicates(sdk, tmp_path):
    project = sdk.create_project("Photos", IMAGE_SCHEMA)
    (tmp_path / "a.png").write_bytes(png(1))
    (tmp_path / "more.zip").write_bytes(zip_of({"b.png": png(2), "a-copy.png": png(1)}))
    summary = sdk.import_media(project["id"], [tmp_path / "a.png", tmp_path / "more.zip"])
    assert summary["imported"] == 3 and summary["stored"] == 2
    again = sdk.import_media(project["id"], [tmp_path / "a.png"], duplicates="skip")
    assert again["imported"] == 0 and again["duplicates_skipped"] == 1
    src = next(sdk.iter_tasks(project["id"]))["data"]["photo"]["src"]
    assert sdk.get_media(src) == png(1)
    key = src.removeprefix("/api/v1/media/")
    url = sdk.media_urls([key], ttl=30)[key]
    assert url.startswith("http://127.0.0.1") and httpx.get(url).content == png(1)
    clusters = sdk.duplicates(project["id"], scan=True)["clusters"]
    assert [c["kind"] for c in clusters] == ["exact"]  # a-copy.png is the same bytes as a.png
    assert clusters[0]["task_ids"] == [1, 3]
    with pytest.raises(ApiError) as caught:
        sdk.import_media(project["id"], [tmp_path / "a.png"], duplicates="maybe")
    assert caught.value.status == 422
