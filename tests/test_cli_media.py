"""`labelwise import-media PROJECT PATH`: a folder or a zip of media files becomes tasks with stored media."""

import json

from tests.media_helpers import png, wav, zip_of
from tests.test_cli import db, run  # noqa: F401

SCHEMA = {"objects": {"photo": {"type": "image"}},
          "controls": {"kind": {"type": "choices", "object": "photo", "options": ["a", "b"]}}}


def setup_project(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    assert run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)[0] == 0
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    assert run(monkeypatch, capsys, "project", "create", "Photos", "--schema", str(schema), "-d", db)[0] == 0


def test_a_folder_and_a_zip_import_and_duplicates_can_be_skipped(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    setup_project(monkeypatch, capsys, tmp_path, db)
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.png").write_bytes(png(1))
    (folder / "sub" / "b.png").write_bytes(png(2))
    (folder / "notes.txt").write_text("not media")
    (folder / ".hidden.png").write_bytes(b"junk")
    code, out, err = run(monkeypatch, capsys, "import-media", "1", str(folder), "-d", db)
    assert code == 0, err
    assert "imported 2 media tasks (2 files stored, 0 already stored, 1 not media)" in out
    archive = tmp_path / "more.zip"
    archive.write_bytes(zip_of({"x/a-again.png": png(1), "x/c.png": png(3)}))
    code, out, err = run(monkeypatch, capsys, "import-media", "1", str(archive), "--duplicates", "skip", "-d", db)
    assert code == 0, err
    out = " ".join(out.split())  # rich wraps long lines
    assert "imported 1 media tasks" in out and "1 duplicates skipped" in out
    assert len(list((tmp_path / "media" / "1").iterdir())) == 3


def test_bad_files_fail_with_one_error_per_file_and_nothing_stored(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    setup_project(monkeypatch, capsys, tmp_path, db)
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.png").write_bytes(png(1))
    (folder / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    (folder / "sound.wav").write_bytes(wav())
    code, _, err = run(monkeypatch, capsys, "import-media", "1", str(folder), "-d", db)
    assert code == 1
    assert "nothing was imported: 2 bad file(s)" in err and "bad.png" in err and "sound.wav" in err
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))
    archive = tmp_path / "evil.zip"
    archive.write_bytes(zip_of({"../../evil.png": png(1)}))
    code, _, err = run(monkeypatch, capsys, "import-media", "1", str(archive), "-d", db)
    assert code == 1 and "path traversal" in err
    assert not (tmp_path.parent / "evil.png").exists()
