"""Platform benchmark: import, next-task latency, submit throughput and export at N text tasks.

    python benchmarks/platform_load.py --tasks 1000000 [--database postgresql+psycopg://...] [--workers 2]

Writes benchmarks/results/platform-<backend>-<N>.json. Each stage runs the real `labelwise` command or
server in a child process; peak memory is that child's maximum resident set (wait4's ru_maxrss).
Load comes from separate client processes (one per annotator) so the Python client is not the ceiling.
"""

import argparse
import json
import multiprocessing
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent
WORDS = ("battery screen delivery price support quality refund camera sound update login app works broken "
         "great terrible fine slow fast love hate again never always").split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load phase")
    parser.add_argument("--overlap", type=int, default=1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="labelwise-bench-"))
    database = args.database or f"sqlite:///{work / 'bench.db'}"
    backend = database.split(":", 1)[0].split("+")[0]
    env = {**os.environ, "LABELWISE_DATA_DIR": str(work), "LABELWISE_DATABASE_URL": database}
    results: dict = {"tasks": args.tasks, "backend": backend, "workers": args.workers, "machine": machine()}

    source = work / "tasks.jsonl"
    write_tasks(source, args.tasks)
    results["input_bytes"] = source.stat().st_size
    labelwise(env, "db", "upgrade")
    tokens = seed_users(env, database, args.overlap)
    results["import"] = timed(env, "import", "1", str(source), "--as", "manager")
    print("import", results["import"], flush=True)

    with Server(env, args.workers) as url:
        results["browse"] = browse(url, manager_token(env, database))
        print("browse", results["browse"], flush=True)
        results["next_1_annotator"] = load(url, tokens[:1], args.seconds)
        print("1 annotator", results["next_1_annotator"], flush=True)
        results["next_16_annotators"] = load(url, tokens[:16], args.seconds)
        print("16 annotators", results["next_16_annotators"], flush=True)
        if shutil.which("wrk"):
            results["wrk_16_annotators"] = wrk_load(url, tokens[:16], args.seconds)
            print("wrk, 16 annotators", results["wrk_16_annotators"], flush=True)

    results["export"] = timed(env, "export", "1", str(work / "export.jsonl"), "--as", "manager")
    results["export"]["output_bytes"] = (work / "export.jsonl").stat().st_size
    print("export", results["export"], flush=True)

    out = ROOT / "results" / f"platform-{backend}-{args.tasks}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


def write_tasks(path: Path, n: int) -> None:
    rng = random.Random(7)
    with path.open("w") as fp:
        for i in range(n):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30)))
            fp.write(json.dumps({"external_id": f"t{i}", "data": {"text": f"{i}: {text}"}}) + "\n")


def seed_users(env: dict, database: str, overlap: int) -> list[str]:
    """A manager, 16 annotators with tokens, and project 1 (made before the import)."""
    from labelwise.core.accounts import users
    from labelwise.core.projects import projects
    from labelwise.store.session import make_engine, make_session_factory

    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        manager = users.create_user(session, username="manager", password="benchmark-pw", is_admin=True)
        schema = {"objects": {"text": {"type": "text"}},
                  "controls": {"sentiment": {"type": "choices", "object": "text",
                                             "options": ["positive", "negative", "neutral"]}}}
        project = projects.create_project(session, manager, name="bench", label_schema=schema,
                                          settings={"overlap": overlap})
        tokens = []
        for i in range(16):
            user = users.create_user(session, username=f"annotator{i}", password="benchmark-pw")
            projects.set_member(session, manager, project.id, member=user, role="annotator")
            tokens.append(users.issue_token(session, user, name="bench")[1])
    engine.dispose()
    return tokens


def manager_token(env: dict, database: str) -> str:
    from labelwise.core.accounts import users
    from labelwise.store.session import make_engine, make_session_factory

    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        token = users.issue_token(session, users.get_user_by_name(session, "manager"), name="browse")[1]
    engine.dispose()
    return token


BROWSE_QUERIES = {
    "first_page": {},
    "deep_page_by_cursor": "cursor",
    "search_word": {"q": "refund"},
    "search_two_words_prefix": {"q": "battery scr"},
    "status_unlabeled": {"status": "unlabeled"},
    "status_labeled": {"status": "labeled"},
    "sort_annotations_desc": {"sort": "-annotations"},
    "sort_id_desc": {"sort": "-id"},
}


def browse(url: str, token: str, repeats: int = 10) -> dict:
    """Median latency of data-browser listings (100 rows a page), as the UI asks for them."""
    out = {}
    with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        page = http.get("/projects/1/tasks", params={"limit": 100}).json()
        for _ in range(50):  # walk 50 pages in, as a person paging would
            page = http.get("/projects/1/tasks", params={"limit": 100, "after": page["next"]}).json()
        deep_cursor = page["next"]
        for name, params in BROWSE_QUERIES.items():
            if params == "cursor":
                params = {"after": deep_cursor}
            timings = []
            for _ in range(repeats):
                started = time.perf_counter()
                response = http.get("/projects/1/tasks", params={"limit": 100, **params})
                timings.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            out[f"{name}_p50_ms"] = round(statistics.median(timings), 1)
    return out


def labelwise(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "labelwise", *args], env=env, check=True, stdout=subprocess.DEVNULL)


def timed(env: dict, *args: str) -> dict:
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "labelwise", *args], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"labelwise {' '.join(args)} failed with {child.returncode}")
    return {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


class Server:
    def __init__(self, env: dict, workers: int) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.env, self.workers = env, workers

    def __enter__(self) -> str:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "labelwise", "serve", "--workers", str(self.workers), "--port", str(self.port)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if httpx.get(f"{url}/api/v1/health").status_code == 200:
                    return url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit("server did not start")

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        self.process.wait(30)


def load(url: str, tokens: list[str], seconds: float) -> dict:
    """Each annotator process loops next -> submit for `seconds`; next latency and submits are recorded."""
    with multiprocessing.get_context("spawn").Pool(len(tokens)) as pool:
        outcomes = pool.starmap(annotate, [(url, token, seconds) for token in tokens])
    latencies = sorted(ms for outcome in outcomes for ms in outcome["next_ms"])
    submitted = sum(outcome["submitted"] for outcome in outcomes)
    errors = sum(outcome["errors"] for outcome in outcomes)
    return {
        "annotators": len(tokens),
        "next_requests": len(latencies),
        "next_p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "next_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2) if latencies else None,
        "submit_ms_p50": round(statistics.median(t for o in outcomes for t in o["submit_ms"]), 2) if submitted else None,
        "submits_per_second": round(submitted / seconds, 1),
        "errors": errors,
    }


def wrk_load(url: str, tokens: list[str], seconds: float) -> dict:
    """The same next -> submit loop driven by wrk (C, one thread per annotator), so the client costs
    almost nothing; latency is over next and submit requests together."""
    script = ROOT / "wrk" / "next_submit.lua"
    run = subprocess.run(
        ["wrk", "-t", str(len(tokens)), "-c", str(len(tokens)), "-d", f"{int(seconds)}s", "--latency",
         "-s", str(script), url],
        env={**os.environ, "TOKENS": ",".join(tokens), "PROJECT": "1"}, capture_output=True, text=True, check=True,
    )
    out = run.stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)$", out, re.M))
    requests_per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"annotators": len(tokens), "requests_per_second": requests_per_second,
            "submits_per_second": round(requests_per_second / 2, 1),
            "latency_p50": latency.get("50"), "latency_p90": latency.get("90"), "latency_p99": latency.get("99"),
            "non_2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0}


def annotate(url: str, token: str, seconds: float) -> dict:
    next_ms, submit_ms, errors, submitted = [], [], 0, 0
    with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = http.get("/projects/1/next")
            next_ms.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                errors += response.status_code != 204
                break
            task_id = response.json()["task"]["id"]
            started = time.perf_counter()
            answer = http.post(f"/tasks/{task_id}/annotations", json={"result": {"sentiment": "positive"}})
            submit_ms.append((time.perf_counter() - started) * 1000)
            if answer.status_code == 201:
                submitted += 1
            else:
                errors += 1
    return {"next_ms": next_ms, "submit_ms": submit_ms, "submitted": submitted, "errors": errors}


def machine() -> dict:
    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine()}


if __name__ == "__main__":
    main()
