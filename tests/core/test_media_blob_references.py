"""Content-addressed media blobs survive a failed import while another import's tasks use them."""

import hashlib
import threading

import pytest

from labelwise.core.dataio import importing
from labelwise.core.dataio import media_import
from labelwise.core.media.media import MediaLimits
from labelwise.core.dataio.media_import import MediaFile, import_media
from labelwise.errors import Invalid
from tests.factories import make_project, make_user
from tests.media_helpers import IMAGE_SCHEMA, png


@pytest.fixture
def world(app, session, tmp_path):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")
    files = []
    for i in range(3):
        path = tmp_path / f"{i}.png"
        path.write_bytes(png(i))
        files.append(MediaFile(f"{i}.png", path))
    return owner.user, project, files


def run_import(app, user, project_id, files):
    with app.state.session_factory() as own:
        return import_media(own, own.get(type(user), user.id), project_id, files, storage=app.state.storage,
                            limits=MediaLimits())


def test_a_failing_import_keeps_blobs_a_concurrent_import_committed(app, world, monkeypatch):
    user, project, files = world
    storage = app.state.storage
    a_locked, b_reused = threading.Event(), threading.Event()
    real_import, real_put = importing.import_tasks, storage.put_file
    failing = threading.local()

    def import_tasks(*args, **kwargs):
        if getattr(failing, "on", False):  # import A: fail once B has reused A's new blobs
            a_locked.set()
            b_reused.wait(timeout=2)  # with the fix, B waits for A's lock; without it, B gets this far
            raise Invalid("a label outside the schema")
        return real_import(*args, **kwargs)

    def put_file(key, path, *, content_type):
        stored = real_put(key, path, content_type=content_type)
        if not stored and not getattr(failing, "on", False):
            b_reused.set()
        return stored

    monkeypatch.setattr(importing, "import_tasks", import_tasks)
    monkeypatch.setattr(storage, "put_file", put_file)
    errors = []

    def import_a():
        failing.on = True
        try:
            run_import(app, user, project.id, files)
        except Invalid as exc:
            errors.append(exc)

    results = []

    def import_b():
        a_locked.wait(timeout=10)
        results.append(run_import(app, user, project.id, files))

    threads = [threading.Thread(target=import_a), threading.Thread(target=import_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(errors) == 1 and len(results) == 1 and results[0].imported == 3
    keys = [media_import.make_key(project.id, *_digest_and_ext(f.path)) for f in files]
    missing = [key for key in keys if not storage.exists(key)]
    assert missing == [], f"blobs deleted under committed tasks: {missing}"


def test_a_failing_import_alone_deletes_the_blobs_it_stored(app, world, monkeypatch):
    user, project, files = world

    def import_tasks(*args, **kwargs):
        raise Invalid("a label outside the schema")

    monkeypatch.setattr(importing, "import_tasks", import_tasks)
    with pytest.raises(Invalid):
        run_import(app, user, project.id, files)
    keys = [media_import.make_key(project.id, *_digest_and_ext(f.path)) for f in files]
    assert [key for key in keys if app.state.storage.exists(key)] == []


def _digest_and_ext(path):
    return hashlib.sha256(path.read_bytes()).hexdigest(), "png"
