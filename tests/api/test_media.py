"""POST /projects/{id}/media and GET /media/{key}: media files in as tasks, served with permissions.

Every test runs on a local media folder and on S3 over HTTP (moto's standalone server).
"""

import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from labelwise.core.media import signing
from labelwise.settings import Settings
from labelwise.store.models import Task
from tests.factories import add_member, make_project, make_user
from tests.media_helpers import AUDIO_SCHEMA, IMAGE_SCHEMA, jpeg, png, scene, encode, wav, zip_of, zip_with_symlink
from tests.s3_server import bucket_keys, moto_server, s3_config  # noqa: F401


@pytest.fixture(params=["local", "s3"])
def settings(request, tmp_path, database_url) -> Settings:
    extra = request.getfixturevalue("s3_config") if request.param == "s3" else {}
    return Settings(data_dir=tmp_path / "data", database_url=database_url, lease_seconds=600, **extra)


@pytest.fixture
def world(session):
    owner = make_user(session, "owner", admin=False)
    annotator = make_user(session, "ann")
    stranger = make_user(session, "stranger")
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")
    add_member(session, owner.user, project, annotator.user)
    return owner, annotator, stranger, project


def upload(client, caller, project_id, files, **params):
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    return client.post(f"/api/v1/projects/{project_id}/media", files=parts, headers=caller.headers, params=params)


def task_count(session, project_id) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Task).where(Task.project_id == project_id))


def stored(settings) -> list[str]:
    """Every blob the storage holds (and, locally, every file anywhere under the data dir's parent)."""
    if settings.storage == "s3":
        return bucket_keys(settings.model_dump())
    root = settings.resolved_media_dir
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.exists() else []


def files_outside_media(settings) -> list[Path]:
    top = settings.data_dir.parent
    return [p for p in top.rglob("*") if p.is_file() and not p.is_relative_to(settings.resolved_media_dir)
            and p.suffix in (".png", ".jpg", ".txt", ".wav")]


class TestUpload:
    def test_each_file_becomes_a_task_with_its_stored_media(self, client, session, settings, world):
        owner, _, _, project = world
        response = upload(client, owner, project.id, [("a.png", png(1)), ("b.jpg", jpeg(2, (200, 100)))])
        assert response.status_code == 201, response.text
        assert response.json() == {"imported": 2, "stored": 2, "reused": 0, "ignored": [],
                                   "duplicates_skipped": 0, "duplicates_flagged": 0, "near_duplicates": 0}
        tasks = client.get(f"/api/v1/projects/{project.id}/tasks", headers=owner.headers).json()["items"]
        photos = [t["data"]["photo"] for t in tasks]
        assert [(p["width"], p["height"]) for p in photos] == [(320, 240), (200, 100)]
        assert all(p["src"].startswith("/api/v1/media/") for p in photos)
        assert photos[1]["src"].endswith(".jpg")
        assert tasks[0]["meta"]["filename"] == "a.png" and len(tasks[0]["meta"]["media"]["phash"]) == 16
        assert len(stored(settings)) == 2

    def test_uploading_the_same_bytes_again_reuses_the_blob(self, client, settings, world):
        owner, _, _, project = world
        upload(client, owner, project.id, [("a.png", png(1))])
        again = upload(client, owner, project.id, [("copy.png", png(1))]).json()
        assert again["stored"] == 0 and again["reused"] == 1 and again["imported"] == 1
        assert len(stored(settings)) == 1

    def test_duplicates_skip_drops_files_already_in_the_project(self, client, session, world):
        owner, _, _, project = world
        upload(client, owner, project.id, [("a.png", png(1))])
        body = upload(client, owner, project.id, [("a2.png", png(1)), ("b.png", png(2)), ("b2.png", png(2))],
                      duplicates="skip").json()
        assert body["imported"] == 1 and body["duplicates_skipped"] == 2
        assert task_count(session, project.id) == 2

    def test_a_zip_body_imports_its_media_and_ignores_the_rest(self, client, session, world):
        owner, _, _, project = world
        archive = zip_of({"cats/1.png": png(1), "cats/2.png": png(2), "README.txt": b"hello",
                          "__MACOSX/._1.png": b"junk", "cats/": b""})
        response = client.post(f"/api/v1/projects/{project.id}/media", content=archive,
                               headers={**owner.headers, "content-type": "application/zip"})
        assert response.status_code == 201, response.text
        assert response.json()["imported"] == 2
        assert response.json()["ignored"] == ["upload.zip/README.txt"]
        names = {t.meta["filename"] for t in session.scalars(select(Task).where(Task.project_id == project.id))}
        assert names == {"upload.zip/cats/1.png", "upload.zip/cats/2.png"}

    def test_audio_gets_its_duration(self, client, session):
        owner = make_user(session, "owner")
        project = make_project(session, owner.user, schema=AUDIO_SCHEMA)
        response = upload(client, owner, project.id, [("clip.wav", wav(1.5)), ("more.zip", zip_of({"x.wav": wav(0.25)}))])
        assert response.status_code == 201, response.text
        tasks = client.get(f"/api/v1/projects/{project.id}/tasks", headers=owner.headers).json()["items"]
        assert sorted(t["data"]["clip"]["duration"] for t in tasks) == [0.25, 1.5]

    def test_only_managers_upload(self, client, world):
        _, annotator, stranger, project = world
        assert upload(client, annotator, project.id, [("a.png", png(1))]).status_code == 403
        assert upload(client, stranger, project.id, [("a.png", png(1))]).status_code == 404


class TestRefusals:
    """Bad input: a clear error naming the file, nothing half-imported, nothing written outside the media folder."""

    def check_nothing_imported(self, session, settings, project):
        assert task_count(session, project.id) == 0
        assert stored(settings) == []
        assert files_outside_media(settings) == []

    @pytest.mark.parametrize("entry", ["../evil.png", "a/../../evil.png", "/tmp/evil.png", "C:/evil.png",
                                       "..\\evil.png"])
    def test_zip_path_traversal(self, client, session, settings, world, entry):
        owner, _, _, project = world
        response = upload(client, owner, project.id, [("good.png", png(3)),
                                                      ("bad.zip", zip_of({"ok.png": png(1), entry: png(2)}))])
        assert response.status_code == 422
        assert "path traversal" in response.json()["message"] and "bad.zip" in response.json()["message"]
        self.check_nothing_imported(session, settings, project)

    def test_zip_symlink(self, client, session, settings, world):
        owner, _, _, project = world
        response = upload(client, owner, project.id, [("links.zip", zip_with_symlink("x.png", "/etc/passwd"))])
        assert response.status_code == 422 and "symbolic link" in response.json()["message"]
        self.check_nothing_imported(session, settings, project)

    def test_zip_bomb_by_ratio(self, client, session, settings, world):
        owner, _, _, project = world
        response = upload(client, owner, project.id, [("bomb.zip", zip_of({"big.png": bytes(8 * 1024 * 1024)}))])
        assert response.status_code == 422 and "zip bomb" in response.json()["message"]
        assert "big.png" in response.json()["message"]
        self.check_nothing_imported(session, settings, project)

    def test_zip_bomb_by_total_size_and_by_entry_count(self, client, session, settings, world):
        owner, _, _, project = world
        settings.max_upload_bytes = 200_000
        entries = {f"{i}.png": png(i) for i in range(4)}
        big = zip_of({"a.png": bytes(150_000), "b.png": bytes(150_000)})
        assert upload(client, owner, project.id, [("big.zip", big)]).status_code == 422
        settings.max_zip_entries = 3
        response = upload(client, owner, project.id, [("many.zip", zip_of(entries))])
        assert response.status_code == 422 and "entry limit" in response.json()["message"]
        self.check_nothing_imported(session, settings, project)

    def test_corrupt_images_are_named_and_nothing_is_stored(self, client, session, settings, world):
        owner, _, _, project = world
        good = png(1)
        response = upload(client, owner, project.id, [
            ("good.png", good), ("truncated.png", good[: len(good) // 2]), ("garbage.jpg", b"\xff\xd8\xff" + b"x" * 500),
            ("text.png", b"not an image at all"),
        ])
        assert response.status_code == 422
        body = response.json()
        assert [e["field"] for e in body["errors"]] == ["truncated.png", "garbage.jpg", "text.png"]
        assert "bad file" in body["message"]
        self.check_nothing_imported(session, settings, project)

    def test_truncated_jpeg(self, client, session, settings, world):
        owner, _, _, project = world
        data = jpeg(1, (640, 480))
        response = upload(client, owner, project.id, [("cut.jpg", data[: len(data) - 2000])])
        assert response.status_code == 422 and "cut.jpg" in response.json()["message"]
        self.check_nothing_imported(session, settings, project)

    def test_decompression_bomb_images(self, client, session, settings, world):
        owner, _, _, project = world
        settings.max_image_pixels = 10_000
        response = upload(client, owner, project.id, [("huge.png", png(1, (200, 100)))])
        assert response.status_code == 422 and "huge.png" in response.json()["message"]
        assert "pixel" in response.json()["message"]
        self.check_nothing_imported(session, settings, project)

    def test_audio_with_wrong_magic_bytes(self, client, session, settings):
        owner = make_user(session, "owner")
        project = make_project(session, owner.user, schema=AUDIO_SCHEMA)
        response = upload(client, owner, project.id, [("song.mp3", b"<html>not audio</html>"),
                                                      ("broken.wav", wav()[:30])])
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["song.mp3", "broken.wav"]
        self.check_nothing_imported(session, settings, project)

    def test_a_body_over_the_upload_limit_is_413(self, client, session, settings, world):
        owner, _, _, project = world
        settings.max_upload_bytes = 1024**3
        two_gb = str(2 * 1024**3)
        response = client.post(f"/api/v1/projects/{project.id}/media", content=b"x" * 1000,
                               headers={**owner.headers, "content-type": "application/zip", "content-length": two_gb})
        assert response.status_code == 413
        settings.max_upload_bytes = 1024 * 1024

        def chunks():  # no Content-Length: counted while streaming
            for _ in range(3):
                yield b"\0" * (512 * 1024)

        response = client.post(f"/api/v1/projects/{project.id}/media", content=chunks(),
                               headers={**owner.headers, "content-type": "application/zip"})
        assert response.status_code == 413
        settings.max_media_bytes = 100_000
        response = upload(client, owner, project.id, [("big.png", png(1, (1200, 900)))])
        assert response.status_code == 413 and "big.png" in response.json()["message"]
        self.check_nothing_imported(session, settings, project)

    def test_a_failing_task_import_removes_the_blobs_it_stored(self, client, session, settings, world, monkeypatch):
        owner, _, _, project = world
        upload(client, owner, project.id, [("kept.png", png(9))])
        before = stored(settings)
        from labelwise.core.dataio import importing

        def broken(*_args, **_kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(importing, "import_tasks", broken)
        with pytest.raises(RuntimeError):
            upload(client, owner, project.id, [("new.png", png(10)), ("kept-again.png", png(9))])
        assert stored(settings) == before  # the new blob is gone, the shared one stays


class TestServing:
    @pytest.fixture
    def src(self, client, world):
        owner, _, _, project = world
        upload(client, owner, project.id, [("a.png", png(5))])
        return client.get(f"/api/v1/projects/{project.id}/tasks", headers=owner.headers).json()["items"][0]["data"]["photo"]["src"]

    def test_members_get_the_bytes_privately_cached(self, client, world, src):
        _, annotator, _, _ = world
        response = client.get(src, headers=annotator.headers)
        assert response.status_code == 200
        assert response.content == png(5)
        assert response.headers["content-type"] == "image/png"
        assert response.headers["cache-control"].startswith("private")
        etag = response.headers["etag"]
        assert client.get(src, headers={**annotator.headers, "if-none-match": etag}).status_code == 304

    def test_strangers_get_404_and_anonymous_callers_401(self, client, world, src):
        _, _, stranger, _ = world
        assert client.get(src, headers=stranger.headers).status_code == 404
        assert client.get(src).status_code == 401
        assert client.get(src[:-5] + "0.png", headers=stranger.headers).status_code == 404
        assert client.get("/api/v1/media/../../etc/passwd").status_code == 404

    def test_signed_urls_work_without_credentials_until_they_expire(self, client, app, world, src):
        owner, annotator, stranger, _ = world
        key = src.removeprefix("/api/v1/media/")
        signed = client.post("/api/v1/media/sign", json={"keys": [key], "ttl": 60}, headers=annotator.headers)
        assert signed.status_code == 200
        url = signed.json()["urls"][key]
        assert client.get(url).content == png(5)
        assert client.post("/api/v1/media/sign", json={"keys": [key]}, headers=stranger.headers).status_code == 404
        expired, _ = signing.signed_path(app.state.media_secret, key, ttl=60, now=time.time() - 120)
        assert client.get(expired).status_code == 403
        tampered = url.replace("signature=", "signature=0")[:-1]
        assert client.get(tampered).status_code == 403
        later = url.replace("expires=", "expires=9")
        assert client.get(later).status_code == 403
        assert client.get(src + "?expires=9999999999").status_code == 403

    def test_range_requests_for_seeking(self, client, world, src):
        _, annotator, _, _ = world
        whole = png(5)
        part = client.get(src, headers={**annotator.headers, "range": "bytes=10-19"})
        assert part.status_code == 206 and part.content == whole[10:20]
        assert part.headers["content-range"] == f"bytes 10-19/{len(whole)}"
        tail = client.get(src, headers={**annotator.headers, "range": "bytes=-7"})
        assert tail.status_code == 206 and tail.content == whole[-7:]
        beyond = client.get(src, headers={**annotator.headers, "range": f"bytes={len(whole) + 5}-"})
        assert beyond.status_code == 416

    def test_presigned_redirect_on_s3(self, client, settings, world, src):
        if settings.storage != "s3":
            pytest.skip("S3 only")
        _, annotator, _, _ = world
        settings.s3_presigned_redirect = True
        key = src.removeprefix("/api/v1/media/")
        url = client.post("/api/v1/media/sign", json={"keys": [key]}, headers=annotator.headers).json()["urls"][key]
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 307
        assert httpx.get(response.headers["location"]).content == png(5)


def test_the_secret_is_made_once_with_private_permissions(tmp_path):
    settings = Settings(data_dir=tmp_path / "d")
    first = signing.load_secret(settings)
    assert (tmp_path / "d" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert signing.load_secret(settings) == first
    assert signing.load_secret(Settings(data_dir=tmp_path / "d", secret_key="x" * 40)) == b"x" * 40
    path, expires = signing.signed_path(first, "1/" + "a" * 64 + ".png", ttl=30)
    signature = path.rsplit("signature=", 1)[1]
    assert signing.verify(first, "1/" + "a" * 64 + ".png", expires, signature)
    assert not signing.verify(first, "2/" + "a" * 64 + ".png", expires, signature)
