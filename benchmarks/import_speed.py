"""Import speed against the database's own, and full-text search latency, at N text tasks.

    python benchmarks/import_speed.py [--rows 1000000] [--database postgresql+psycopg://...] [--repeats 40]

In one run, on the same JSONL file:
- raw baseline: plain Python parses each line (json.loads) and inserts (project, external id, data as
  JSON text) with sqlite3 `executemany` in batches of 1,000 into a WAL database with one index; on
  PostgreSQL, the same rows go in with `COPY` (psycopg) into a table with one index;
- `labelwise import` (the CLI, a child process) with full-text indexing and `--duplicates flag` on
  (exact and near duplicate detection); peak memory is that child's maximum resident set (wait4);
- both as wall seconds and as CPU seconds of the Python process (the CPU ratio is steadier when the
  machine is shared; on PostgreSQL it leaves out the server's own work, so read the wall ratio there);
- search: the task listing (first page of 100, sorted by id) for a word in a third of the tasks, the
  same word as a prefix, two words, and a rare word, each `--repeats` times in-process; p50/p95 in ms.
  A second, small project holding the same words checks that results stay in their project.

Writes benchmarks/results/import-<backend>-<N>.json.
"""

import argparse
import itertools
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# 4,000 made-up words drawn with Zipf-like weights, so texts differ as real ones do (a tiny vocabulary
# would make every text a near duplicate of every other for the MinHash check).
_SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in ("a", "e", "i", "o", "u", "ou", "ai", "ee")]
VOCABULARY = sorted({"".join(random.Random(n).choices(_SYLLABLES, k=1 + n % 3)) for n in range(4400)})[:4000]
CUMULATIVE = list(itertools.accumulate(1 / (rank + 10) for rank in range(len(VOCABULARY))))
COMMON = "refund"  # in every third task
RARE = "zeppelin"  # in one task in 10,000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", help="SQLAlchemy URL of an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--repeats", type=int, default=40, help="timed runs of each search")
    parser.add_argument("--duplicates", default="flag", help="the import's --duplicates mode")
    parser.add_argument("--label", default="", help="added to the result file name (e.g. before)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="labelwise-import-"))
    database = args.database or f"sqlite:///{work / 'bench.db'}"
    backend = database.split(":", 1)[0].split("+")[0]
    env = {**os.environ, "LABELWISE_DATA_DIR": str(work), "LABELWISE_DATABASE_URL": database}
    results: dict = {"rows": args.rows, "backend": backend, "duplicates": args.duplicates, "machine": machine()}
    source = work / "tasks.jsonl"
    write_tasks(source, args.rows)
    small = work / "other.jsonl"
    write_tasks(small, max(args.rows // 100, 100), start=args.rows)
    results["input_mb"] = round(source.stat().st_size / 1e6, 1)

    if backend == "sqlite":
        results["raw_baseline"] = raw_sqlite(source, work / "raw.db")
    else:
        results["raw_baseline"] = raw_copy(source, database)
    print("raw baseline", results["raw_baseline"], flush=True)

    labelwise(env, "db", "upgrade")
    seed(database)
    labelwise(env, "import", "2", str(small), "--as", "manager", "--duplicates", args.duplicates)
    results["labelwise_import"] = timed(env, "import", "1", str(source), "--as", "manager",
                                        "--duplicates", args.duplicates)
    results["ratio"] = round(results["labelwise_import"]["seconds"] / results["raw_baseline"]["seconds"], 2)
    # CPU seconds (user + system) of each side's Python process: steadier than wall time on a busy machine.
    results["cpu_ratio"] = round(results["labelwise_import"]["cpu_seconds"] / results["raw_baseline"]["cpu_seconds"], 2)
    print("labelwise import", results["labelwise_import"], "ratio", results["ratio"], "cpu ratio", results["cpu_ratio"],
          flush=True)

    results["search"] = search(database, args.repeats, args.rows)
    print("search", json.dumps(results["search"], indent=1), flush=True)

    suffix = f"-{args.label}" if args.label else ""
    out = ROOT / "results" / f"import-{backend}-{args.rows}{suffix}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


def write_tasks(path: Path, n: int, start: int = 0) -> None:
    rng = random.Random(start + 7)
    with path.open("w") as fp:
        for i in range(start, start + n):
            words = rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=rng.randint(6, 30))
            if i % 3 == 0:
                words.insert(rng.randrange(len(words)), COMMON)
            if i % 10_000 == 5:
                words.append(RARE)
            fp.write(json.dumps({"external_id": f"t{i}", "data": {"text": f"{i}: {' '.join(words)}"}}) + "\n")


def raw_sqlite(source: Path, target: Path) -> dict:
    """json.loads per line, executemany in batches of 1,000, WAL, one index: the floor for SQLite."""
    started, cpu = time.perf_counter(), time.process_time()
    db = sqlite3.connect(target)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, external_id TEXT, "
               "data TEXT NOT NULL)")
    db.execute("CREATE INDEX ix_tasks_project_external ON tasks (project_id, external_id)")
    batch = []
    with source.open("rb") as fp:
        for line in fp:
            row = json.loads(line)
            batch.append((1, row["external_id"], json.dumps(row["data"])))
            if len(batch) == 1000:
                db.executemany("INSERT INTO tasks (project_id, external_id, data) VALUES (?, ?, ?)", batch)
                batch = []
    if batch:
        db.executemany("INSERT INTO tasks (project_id, external_id, data) VALUES (?, ?, ?)", batch)
    db.commit()
    db.close()
    return {"seconds": round(time.perf_counter() - started, 2), "cpu_seconds": round(time.process_time() - cpu, 2),
            "method": "json.loads + executemany(1000), WAL"}


def raw_copy(source: Path, database: str) -> dict:
    """json.loads per line and COPY into a table with one index: the floor for PostgreSQL."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database)
    conninfo = dict(host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database)
    started, cpu = time.perf_counter(), time.process_time()
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}) as conn:
        conn.execute("DROP TABLE IF EXISTS raw_tasks")
        conn.execute("CREATE TABLE raw_tasks (id bigserial PRIMARY KEY, project_id integer NOT NULL, "
                     "external_id text, data jsonb NOT NULL)")
        conn.execute("CREATE INDEX ix_raw_tasks_project_external ON raw_tasks (project_id, external_id)")
        with conn.cursor() as cursor, source.open("rb") as fp:
            with cursor.copy("COPY raw_tasks (project_id, external_id, data) FROM STDIN") as copy:
                for line in fp:
                    row = json.loads(line)
                    copy.write_row((1, row["external_id"], json.dumps(row["data"])))
        conn.commit()
    seconds, cpu = round(time.perf_counter() - started, 2), round(time.process_time() - cpu, 2)
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}, autocommit=True) as conn:
        conn.execute("DROP TABLE raw_tasks")
    return {"seconds": seconds, "cpu_seconds": cpu, "method": "json.loads + COPY FROM STDIN (client CPU only)"}


def seed(database: str) -> None:
    from labelwise.core.accounts import users
    from labelwise.core.projects import projects
    from labelwise.store.session import make_engine, make_session_factory

    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        manager = users.create_user(session, username="manager", password="benchmark-pw", is_admin=True)
        schema = {"objects": {"text": {"type": "text"}},
                  "controls": {"sentiment": {"type": "choices", "object": "text",
                                             "options": ["positive", "negative", "neutral"]}}}
        for name in ("big", "other"):
            projects.create_project(session, manager, name=name, label_schema=schema)
    engine.dispose()


def search(database: str, repeats: int, rows: int) -> dict:
    """Latency of the first page (100, by id) of the task listing for each query, in-process."""
    from labelwise.core.accounts import users
    from labelwise.core.labeling.tasks import TaskFilter, list_tasks
    from labelwise.store.session import make_engine, make_session_factory

    engine = make_engine(database)
    factory = make_session_factory(engine)
    out: dict = {}
    queries = {"word_in_a_third": COMMON, "prefix_in_a_third": COMMON[:4], "two_words": f"{COMMON} {VOCABULARY[0]}",
               "rare_word": RARE}
    with factory() as session:
        manager = users.get_user_by_name(session, "manager")
        page = list_tasks(session, manager, 1, filters=TaskFilter(search=COMMON), limit=100).tasks
        expected = [i for i in range(0, rows, 3)][:100]
        found = [int(task.external_id[1:]) for task in page]
        out["first_page_correct"] = found == expected
        other = list_tasks(session, manager, 2, filters=TaskFilter(search=COMMON), limit=100).tasks
        out["other_project_scoped"] = all(task.project_id == 2 for task in other) and len(other) > 0
        for name, query in queries.items():
            timings = []
            for _ in range(repeats):
                session.expunge_all()
                started = time.perf_counter()
                list_tasks(session, manager, 1, filters=TaskFilter(search=query), limit=100)
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            out[name] = {"query": query, "p50_ms": round(statistics.median(timings), 1),
                         "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1)}
    engine.dispose()
    return out


def labelwise(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "labelwise", *args], env=env, check=True, stdout=subprocess.DEVNULL)


def timed(env: dict, *args: str) -> dict:
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "labelwise", *args], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"labelwise {' '.join(args)} failed")
    return {"seconds": round(time.perf_counter() - started, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def machine() -> dict:
    return {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "cpus": os.cpu_count(),
            "load_average": os.getloadavg()}


if __name__ == "__main__":
    main()
