"""Hot-path benchmark: 16 annotators, one wrk connection each, looping submit?next=true (one round trip per
item, overlap 2), against labelwise and, in the same run, a trivial synchronous FastAPI route driven by the
same wrk settings: the ceiling the framework allows on this machine.

    nice -n 10 python benchmarks/hot_path.py --sizes 10000,100000,1000000 --backends sqlite,postgresql \\
        [--before-ref <git commit>] [--seconds 10]

Per project size and backend (SQLite: one server process; PostgreSQL: a throw-away cluster this script starts
with initdb/pg_ctl, one and two server processes) it measures submits/s, p50/p95/p99 per request (each is a
submit plus the next task), server CPU per submit+next (utime+stime of the server's processes over the phase
divided by submits), and one annotator alone (p95). With `--before-ref` the same database is also served by
that commit of labelwise (unpacked with `git archive`), phase by phase next to the current code, so before
and after are measured in the same run. The trivial route is measured before and after each size's phases;
ratios divide by the mean of the two. Writes benchmarks/results/hot-path.json. Needs wrk (apt-get install wrk).
Absolute figures depend on the machine's load; compare the ratios.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from platform_load import ROOT, labelwise, machine, seed_users, timed, write_tasks  # noqa: E402

try:
    from fastapi import FastAPI

    trivial = FastAPI()

    @trivial.get("/ping")
    def ping() -> dict:
        return {"ok": True}
except ImportError:  # pragma: no cover
    trivial = None

REPO = ROOT.parent
LUA = ROOT / "hot_path.lua"
ANNOTATORS = 16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--overlap", type=int, default=2)
    parser.add_argument("--before-ref", help="a git commit of labelwise to measure beside the current code")
    parser.add_argument("--out", default=str(ROOT / "results" / "hot-path.json"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    work = Path(tempfile.mkdtemp(prefix="labelwise-hot-"))
    os.chmod(work, 0o755)
    sources = {"after": str(REPO)}
    if args.before_ref:
        before = work / "before"
        before.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.before_ref], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
        # the database is migrated by the current code; the old one is told of the newer revisions (tables it
        # never touches) so that it agrees to serve it
        versions = "labelwise/store/migrations/versions"
        for migration in (REPO / versions).glob("*.py"):
            if not (before / versions / migration.name).exists():
                shutil.copy(migration, before / versions / migration.name)
        sources["before"] = str(before)
    results = {"method": method(args), "machine": machine(), "before_ref": args.before_ref, "runs": []}
    postgres = None
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            source = work / f"tasks-{size}.jsonl"
            write_tasks(source, size)
            for backend in args.backends.split(","):
                if backend == "postgresql" and postgres is None:
                    postgres = ThrowawayPostgres(work).start()
                run = measure(backend, size, source, work, sources, args, postgres)
                results["runs"].append(run)
                print(json.dumps(run, indent=1), flush=True)
                Path(args.out).parent.mkdir(exist_ok=True)
                Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
            source.unlink()
    finally:
        if postgres is not None:
            postgres.stop()
    print(f"wrote {args.out}")


def method(args) -> str:
    return (f"wrk {ANNOTATORS} threads x 1 connection each (one annotator per connection, own token), "
            f"{args.seconds:g} s per phase, Lua loop of POST /tasks/{{id}}/annotations?next=true (GET /next when "
            f"holding nothing), overlap {args.overlap}; trivial route: GET /ping on a sync FastAPI def, uvicorn, one "
            "process, same wrk settings; server CPU from /proc utime+stime of the server's processes")


def measure(backend: str, size: int, source: Path, work: Path, sources: dict, args, postgres) -> dict:
    if backend == "sqlite":
        database = f"sqlite:///{work / f'bench-{size}.db'}"
        layouts = [1]
    else:
        database = postgres.database(f"bench_{size}")
        layouts = [1, 2]
    data_dir = work / f"data-{backend}-{size}"
    data_dir.mkdir()
    env = {**os.environ, "LABELWISE_DATA_DIR": str(data_dir), "LABELWISE_DATABASE_URL": database,
           "PYTHONPATH": sources["after"]}
    labelwise(env, "db", "upgrade")
    tokens = seed(env, database, args.overlap, sources.get("before"))[:ANNOTATORS]
    token_file = work / "tokens.txt"
    token_file.write_text("\n".join(tokens) + "\n")
    imported = timed(env, "import", "1", str(source), "--as", "manager")
    run = {"backend": backend, "tasks": size, "import": imported, "phases": []}
    run["trivial_before"] = trivial_phase(token_file, args.seconds)
    for processes in layouts:
        for label, src in sources.items():
            with Server({**env, "PYTHONPATH": src}, processes) as server:
                many = wrk(server.url, token_file, ANNOTATORS, args.seconds, "loop", server)
                one = wrk(server.url, token_file, 1, args.seconds, "loop", server, first_token=ANNOTATORS)
            run["phases"].append({"code": label, "processes": processes, "annotators_16": many, "annotator_1": one})
            print(backend, size, label, processes, many["submits_per_second"], many["p95_ms"], one["p95_ms"],
                  flush=True)
    run["trivial_after"] = trivial_phase(token_file, args.seconds)
    ceiling = (run["trivial_before"]["annotators_16"]["requests_per_second"]
               + run["trivial_after"]["annotators_16"]["requests_per_second"]) / 2
    run["trivial_rps_mean"] = round(ceiling, 1)
    for phase in run["phases"]:
        phase["submits_per_second_over_trivial_rps"] = round(phase["annotators_16"]["submits_per_second"] / ceiling, 4)
    return run


def seed(env: dict, database: str, overlap: int, oldest: str | None) -> list[str]:
    """Users, tokens and project 1, made by the oldest code measured: newer code may store project settings an
    older one refuses, while newer code reads older settings (their new fields take defaults)."""
    if oldest is None:
        return seed_users(env, database, overlap)
    script = (f"import json, platform_load; print(json.dumps(platform_load.seed_users({{}}, {database!r}, "
              f"{overlap})))")
    done = subprocess.run([sys.executable, "-c", script], env={**env, "PYTHONPATH": f"{oldest}:{oldest}/benchmarks"},
                          cwd=oldest, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def trivial_phase(token_file: Path, seconds: float) -> dict:
    with TrivialServer() as server:
        return {"annotators_16": wrk(server.url, token_file, ANNOTATORS, seconds, "ping", server),
                "annotator_1": wrk(server.url, token_file, 1, seconds, "ping", server)}


def wrk(url: str, token_file: Path, connections: int, seconds: float, mode: str, server, *, first_token: int = 1,
        project: int = 1) -> dict:
    cpu_before = server.cpu_seconds()
    done = subprocess.run(
        ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "30s",
         "-s", str(LUA), url, "--", str(token_file), mode, str(project), str(first_token)],
        capture_output=True, text=True, check=True)
    cpu = server.cpu_seconds() - cpu_before
    found = re.search(r"^RESULT (.*)$", done.stdout, re.M)
    if found is None:
        raise SystemExit(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(found.group(1))
    elapsed = raw["duration_us"] / 1e6
    counted = raw["submits"] if mode == "loop" else raw["requests"]
    return {
        "requests_per_second": round(raw["requests"] / elapsed, 1),
        "submits_per_second": round(raw["submits"] / elapsed, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2), "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "server_cpu_ms_per_submit" if mode == "loop" else "server_cpu_ms_per_request":
            round(cpu * 1000 / counted, 2) if counted else None,
        "errors": raw["errors"] + raw["socket_errors"], "queue_empty_answers": raw["empty"],
    }


class Server:
    """`labelwise serve` with `processes` workers, from the source tree on PYTHONPATH."""

    def __init__(self, env: dict, processes: int) -> None:
        self.env, self.processes = env, processes
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "labelwise", "serve", "--workers", str(self.processes), "--port", str(self.port)]

    def health(self) -> str:
        return f"{self.url}/api/v1/health"

    def __enter__(self) -> "Server":
        self.process = subprocess.Popen(self.command(), env=self.env, cwd=self.env.get("PYTHONPATH"),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                if httpx.get(self.health()).status_code == 200:
                    time.sleep(1 if self.processes > 1 else 0)  # let every worker come up
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit("server did not start")

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        self.process.wait(30)

    def cpu_seconds(self) -> float:
        """utime+stime of the server process and its children (uvicorn's workers), from /proc."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total


class TrivialServer(Server):
    """uvicorn serving this file's one-route app, one process."""

    def __init__(self) -> None:
        super().__init__({**os.environ, "PYTHONPATH": str(ROOT)}, 1)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "hot_path:trivial", "--port", str(self.port), "--log-level",
                "warning", "--no-access-log"]

    def health(self) -> str:
        return f"{self.url}/ping"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


class ThrowawayPostgres:
    """A PostgreSQL cluster of the benchmark's own (initdb, pg_ctl; run as the postgres user when root)."""

    def __init__(self, work: Path) -> None:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        found = str(versions[-1]) if versions else shutil.which("pg_ctl")
        if found is None:
            raise SystemExit("PostgreSQL's initdb and pg_ctl are not installed")
        self.bin = Path(found).parent
        self.data, self.sockets = work / "pgdata", work / "pgsockets"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def _run(self, *command: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*as_postgres, *command], capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise SystemExit(done.stdout + done.stderr)

    def start(self) -> "ThrowawayPostgres":
        for folder in (self.data, self.sockets):
            folder.mkdir()
            if os.geteuid() == 0:
                shutil.chown(folder, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        # durable commits as in production (fsync on); enough connections for two processes' pools
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.data / "log"), "-o",
                  f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c max_connections=200", "start")
        return self

    def database(self, name: str) -> str:
        self._run(str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c",
                  f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "immediate", "stop")


if __name__ == "__main__":
    main()
