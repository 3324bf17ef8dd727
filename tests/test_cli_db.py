"""`labelwise db backup|restore|current|check`, the backup `serve` takes before migrating, and the one-line
error for a database newer than the code."""

import sqlite3
import sys

import pytest
from sqlalchemy import make_url, text

from labelwise.store.migrate import head_revision, upgrade
from labelwise.store.session import make_engine
from tests.conftest import PG_URL
from tests.test_cli import run


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("LABELWISE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LABELWISE_NEW_PASSWORD", "a long password")
    return str(tmp_path / "cli.db")


def usernames(db: str) -> set[str]:
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute("SELECT username FROM users")}


def revision_of(db: str) -> str:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_backup_and_restore_round_trip(monkeypatch, capsys, tmp_path, db):
    assert run(monkeypatch, capsys, "user", "create", "alice", "-d", db)[0] == 0
    code, out, _ = run(monkeypatch, capsys, "db", "backup", "-d", db)
    assert code == 0
    backups = list((tmp_path / "backups").glob("labelwise-backup-*.db"))
    assert len(backups) == 1 and str(backups[0]) in out.replace("\n", "")
    assert run(monkeypatch, capsys, "user", "create", "bob", "-d", db)[0] == 0
    assert usernames(db) == {"alice", "bob"}
    code, out, _ = run(monkeypatch, capsys, "db", "restore", str(backups[0]), "--yes", "-d", db)
    assert code == 0 and "restored" in out
    assert usernames(db) == {"alice"}


def test_backup_refuses_to_overwrite_and_restore_refuses_a_foreign_file(monkeypatch, capsys, tmp_path, db):
    assert run(monkeypatch, capsys, "db", "upgrade", "-d", db)[0] == 0
    target = tmp_path / "copy.db"
    assert run(monkeypatch, capsys, "db", "backup", "--to", str(target), "-d", db)[0] == 0
    code, _, err = run(monkeypatch, capsys, "db", "backup", "--to", str(target), "-d", db)
    assert code == 1 and "already exists" in err
    foreign = tmp_path / "other.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.commit()
    code, _, err = run(monkeypatch, capsys, "db", "restore", str(foreign), "--yes", "-d", db)
    assert code == 1 and "not a labelwise database" in err and "Traceback" not in err


def test_current_and_check(monkeypatch, capsys, db):
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine, "0007")
    engine.dispose()
    code, out, _ = run(monkeypatch, capsys, "db", "current", "-d", db)
    assert code == 0 and out.startswith("0007") and "pending" in out
    code, _, err = run(monkeypatch, capsys, "db", "check", "-d", db)
    assert code == 1 and "pending" in err and "db upgrade" in err
    assert run(monkeypatch, capsys, "db", "upgrade", "-d", db)[0] == 0
    code, out, _ = run(monkeypatch, capsys, "db", "current", "-d", db)
    assert code == 0 and out.startswith(head_revision()) and "up to date" in out
    code, out, _ = run(monkeypatch, capsys, "db", "check", "-d", db)
    assert code == 0 and "database ok" in out


def test_check_finds_a_damaged_database(monkeypatch, capsys, db):
    assert run(monkeypatch, capsys, "db", "upgrade", "-d", db)[0] == 0
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA journal_mode = DELETE")  # everything in the main file
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
    with open(db, "r+b") as fp:  # scribble over the second half of the pages
        fp.seek(4096 * (pages // 2))
        fp.write(bytes(range(256)) * 16 * (pages - pages // 2))
    code, _, err = run(monkeypatch, capsys, "db", "check", "-d", db)
    assert code == 1 and "damaged" in err


@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "current"], ["serve"], ["user", "create", "x"]])
def test_a_newer_database_is_one_error_line(monkeypatch, capsys, db, command):
    assert run(monkeypatch, capsys, "db", "upgrade", "-d", db)[0] == 0
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("served a database newer than the code"))
    code, _, err = run(monkeypatch, capsys, *command, *([db] if command == ["serve"] else ["-d", db]))
    assert code == 1
    assert err.strip().count("\n") == 0 and "newer labelwise" in err and "Traceback" not in err


def test_serve_backs_up_before_migrating_and_only_then(monkeypatch, capsys, tmp_path, db):
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine, "0007")
    engine.dispose()
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: None)
    code, _, err = run(monkeypatch, capsys, "serve", db)
    assert code == 0 and "backed up the database" in err
    backups = list((tmp_path / "backups").glob(f"labelwise-before-{head_revision()}-*.db"))
    assert len(backups) == 1 and revision_of(str(backups[0])) == "0007"
    assert revision_of(db) == head_revision()
    assert run(monkeypatch, capsys, "serve", db)[0] == 0
    assert len(list((tmp_path / "backups").iterdir())) == 1  # nothing to migrate: no backup


def test_serve_on_a_new_database_takes_no_backup(monkeypatch, capsys, tmp_path, db):
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: None)
    assert run(monkeypatch, capsys, "serve", db)[0] == 0
    assert not (tmp_path / "backups").exists()


@pytest.mark.skipif(not PG_URL, reason="LABELWISE_TEST_DATABASE_URL is not set")
def test_postgresql_backup_runs_pg_dump_and_restore_prints_pg_restore(monkeypatch, capsys, tmp_path, postgres_url):
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()
    target = tmp_path / "pg.dump"
    code, out, err = run(monkeypatch, capsys, "db", "backup", "--to", str(target), "-d", postgres_url)
    assert code == 0, err
    assert target.stat().st_size > 0 and target.read_bytes().startswith(b"PGDMP")
    code, out, _ = run(monkeypatch, capsys, "db", "restore", str(target), "-d", postgres_url)
    assert code == 0 and "pg_restore --clean" in out and make_url(postgres_url).database in out


def test_serve_with_s3_storage_but_no_boto3_names_the_extra(monkeypatch, capsys, db):
    monkeypatch.setenv("LABELWISE_STORAGE", "s3")
    monkeypatch.setenv("LABELWISE_S3_BUCKET", "media")
    monkeypatch.setitem(sys.modules, "boto3", None)  # as if the s3 extra were not installed
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("served without a storage backend"))
    code, _, err = run(monkeypatch, capsys, "serve", db)
    assert code == 1 and "labelwise[s3]" in err and err.count("\n") == 1
