"""The storage backends, run alike on a local folder and on S3 over HTTP (moto's server)."""

import hashlib
import os

import pytest

from labelwise.errors import Invalid
from labelwise.settings import Settings
from labelwise.storage import StorageError, check_key, make_key, make_storage, project_of
from tests.s3_server import moto_server, s3_config  # noqa: F401

DATA = bytes(range(256)) * 2000  # 512,000 bytes: several read chunks


def key_for(data: bytes, project: int = 7, ext: str = "png") -> str:
    return make_key(project, hashlib.sha256(data).hexdigest(), ext)


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "s3":
        return make_storage(Settings(data_dir=tmp_path, **request.getfixturevalue("s3_config")))
    return make_storage(Settings(data_dir=tmp_path))


def test_round_trip_by_bytes_and_by_file(storage, tmp_path):
    key = key_for(DATA)
    assert not storage.exists(key)
    assert storage.stat(key) is None
    assert storage.put_bytes(key, DATA, content_type="image/png") is True
    assert storage.exists(key)
    assert storage.get_bytes(key) == DATA
    assert b"".join(storage.stream(key)) == DATA
    blob = storage.stat(key)
    assert blob.size == len(DATA) and blob.content_type == "image/png"
    other = b"other bytes"
    source = tmp_path / "source.bin"
    source.write_bytes(other)
    assert storage.put_file(key_for(other, ext="wav"), source, content_type="audio/wav") is True
    assert storage.get_bytes(key_for(other, ext="wav")) == other


def test_storing_the_same_content_again_writes_nothing(storage):
    key = key_for(DATA)
    assert storage.put_bytes(key, DATA, content_type="image/png") is True
    assert storage.put_bytes(key, DATA, content_type="image/png") is False


@pytest.mark.parametrize(("start", "end"), [(0, 0), (10, 99), (300_000, None), (511_990, 511_999)])
def test_stream_reads_byte_ranges(storage, start, end):
    key = key_for(DATA)
    storage.put_bytes(key, DATA, content_type="image/png")
    got = b"".join(storage.stream(key, start=start, end=end))
    assert got == DATA[start:None if end is None else end + 1]


def test_delete_removes_and_tolerates_missing(storage):
    key = key_for(DATA)
    storage.put_bytes(key, DATA, content_type="image/png")
    storage.delete(key)
    assert not storage.exists(key)
    storage.delete(key)


@pytest.mark.parametrize("bad", [
    "../../etc/passwd", "7/../../x.png", "/abs/" + "a" * 64 + ".png", "7/" + "A" * 64 + ".png",
    "7/" + "a" * 63 + ".png", "7/" + "a" * 64, "0/" + "a" * 64 + ".png", "7/sub/" + "a" * 64 + ".png",
    "7/" + "a" * 64 + ".png/..", "7\\" + "a" * 64 + ".png", "7/" + "a" * 64 + ".p/g",
])
def test_malformed_keys_are_refused_by_every_operation(storage, bad):
    with pytest.raises(Invalid):
        check_key(bad)
    for call in (lambda: storage.put_bytes(bad, b"x", content_type="image/png"), lambda: storage.get_bytes(bad),
                 lambda: storage.exists(bad), lambda: storage.delete(bad), lambda: list(storage.stream(bad))):
        with pytest.raises(Invalid):
            call()


def test_keys_name_their_project():
    key = key_for(DATA, project=42)
    assert key.startswith("42/") and project_of(key) == 42


def test_local_blobs_stay_inside_the_media_folder_even_through_a_symlink(tmp_path):
    storage = make_storage(Settings(data_dir=tmp_path / "data"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "data" / "media").mkdir(parents=True)
    os.symlink(outside, tmp_path / "data" / "media" / "9")
    with pytest.raises(StorageError):
        storage.put_bytes(key_for(DATA, project=9), DATA, content_type="image/png")
    assert list(outside.iterdir()) == []


def test_local_writes_are_atomic_and_leave_no_temporary_files(tmp_path):
    storage = make_storage(Settings(data_dir=tmp_path))
    key = key_for(DATA)
    storage.put_bytes(key, DATA, content_type="image/png")
    files = [p.name for p in (tmp_path / "media" / "7").iterdir()]
    assert files == [key.split("/")[1]]


def test_building_a_storage_touches_nothing(tmp_path):
    make_storage(Settings(data_dir=tmp_path / "never"))
    assert not (tmp_path / "never").exists()
