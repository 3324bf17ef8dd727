"""`labelwise import-media PROJECT PATH --format dicom`: a folder or zip of one series, or a NIfTI file, becomes a
de-identified volume task; a bad series is refused naming the file with nothing imported."""

import json

from tests.dicom_helpers import DICOM_SCHEMA, series_files, write_files, zip_bytes
from tests.test_cli import db, run  # noqa: F401


def test_a_series_folder_and_zip_import_and_a_gap_is_refused(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    assert run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)[0] == 0
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(DICOM_SCHEMA))
    assert run(monkeypatch, capsys, "project", "create", "CT", "--schema", str(schema), "-d", db)[0] == 0
    write_files(series_files(), tmp_path / "chest")
    code, out, err = run(monkeypatch, capsys, "import-media", "1", str(tmp_path / "chest"), "--format", "dicom",
                         "-d", db)
    assert code == 0, err
    out = " ".join(out.split())
    assert "imported 1 volume task(s) from chest; de-identified:" in out and "16 private tags removed" in out
    files = series_files(shuffle=False)
    gap = tmp_path / "gap.zip"
    gap.write_bytes(zip_bytes(files[:2] + files[4:]))
    code, out, err = run(monkeypatch, capsys, "import-media", "1", str(gap), "--format", "dicom", "-d", db)
    assert code != 0 and "missing slices" in " ".join(err.split()) and "series/slice004.dcm" in err
    code, out, err = run(monkeypatch, capsys, "export", "1", str(tmp_path / "labels.zip"), "--format", "nifti",
                         "-d", db)
    assert code == 0, err
    assert (tmp_path / "labels.zip").stat().st_size > 0
