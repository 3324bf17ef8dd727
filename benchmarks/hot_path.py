"""Hot-path benchmark: annotators looping next -> submit against one server process, with a trivial synchronous
FastAPI route driven by the same client in the same run as the ceiling to compare with.

    nice -n 10 python benchmarks/hot_path.py --tasks 10000 --annotators 4 --seconds 10

Three phases, one client process per annotator (httpx, one connection each): the two-call loop (GET next,
POST annotations), the one-round-trip loop (POST annotations?next=true), and GET on a bare `def` route served
by uvicorn from this file. Writes benchmarks/results/hot-path-<backend>-<N>.json with submits/s, the ratio to
the trivial route's requests/s, p50/p95 per request, and SQL statements per request (from
benchmarks/count_statements.py). Absolute figures depend on the machine's load; compare the ratios.
"""

import argparse
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from platform_load import (
    ROOT,
    Server,
    labelwise,
    machine,
    seed_users,
    timed,
    write_tasks,
)

try:
    from fastapi import FastAPI

    trivial = FastAPI()

    @trivial.get("/ping")
    def ping() -> dict:
        return {"ok": True}
except ImportError:  # pragma: no cover
    trivial = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--annotators", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--overlap", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="labelwise-hot-"))
    database = f"sqlite:///{work / 'bench.db'}"
    env = {**os.environ, "LABELWISE_DATA_DIR": str(work), "LABELWISE_DATABASE_URL": database}
    source = work / "tasks.jsonl"
    write_tasks(source, args.tasks)
    labelwise(env, "db", "upgrade")
    tokens = seed_users(env, database, args.overlap)[: args.annotators]
    timed(env, "import", "1", str(source), "--as", "manager")
    results: dict = {"tasks": args.tasks, "backend": "sqlite", "server_processes": 1, "annotators": len(tokens),
                     "overlap": args.overlap, "seconds": args.seconds, "machine": machine()}
    with Server(env, 1) as url:
        results["two_calls"] = drive(url, tokens, args.seconds, "two_calls")
        print("next + submit", results["two_calls"], flush=True)
        results["one_round_trip"] = drive(url, tokens, args.seconds, "one_round_trip")
        print("submit?next=true", results["one_round_trip"], flush=True)
    with TrivialServer() as url:
        results["trivial_route"] = drive(url, tokens, args.seconds, "trivial")
        print("trivial route", results["trivial_route"], flush=True)
    ceiling = results["trivial_route"]["requests_per_second"]
    for phase in ("two_calls", "one_round_trip"):
        results[phase]["submits_per_second_over_trivial_rps"] = round(
            results[phase]["submits_per_second"] / ceiling, 4) if ceiling else None
    counted = subprocess.run([sys.executable, str(ROOT / "count_statements.py")], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT.parent)}, check=True)
    results["statements_per_request"] = json.loads(counted.stdout.strip().splitlines()[-1])
    out = ROOT / "results" / f"hot-path-sqlite-{args.tasks}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"wrote {out}")


class TrivialServer(Server):
    """uvicorn serving this file's one-route app, one process."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def __enter__(self) -> str:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "hot_path:trivial", "--port", str(self.port), "--log-level", "warning",
             "--no-access-log"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                if httpx.get(f"{url}/ping").status_code == 200:
                    return url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit("trivial server did not start")


def drive(url: str, tokens: list[str], seconds: float, mode: str) -> dict:
    with multiprocessing.get_context("spawn").Pool(len(tokens)) as pool:
        outcomes = pool.starmap(loop, [(url, token, seconds, mode) for token in tokens])
    latencies = sorted(ms for outcome in outcomes for ms in outcome["ms"])
    submitted = sum(outcome["submitted"] for outcome in outcomes)
    return {
        "requests_per_second": round(len(latencies) / seconds, 1),
        "submits_per_second": round(submitted / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2) if latencies else None,
        "errors": sum(outcome["errors"] for outcome in outcomes),
    }


def loop(url: str, token: str, seconds: float, mode: str) -> dict:
    ms, errors, submitted = [], 0, 0
    answer = {"result": {"sentiment": "positive"}}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:

        def call(method: str, path: str, **kwargs) -> httpx.Response:
            started = time.perf_counter()
            response = http.request(method, path, **kwargs)
            ms.append((time.perf_counter() - started) * 1000)
            return response

        deadline = time.perf_counter() + seconds
        task = None
        while time.perf_counter() < deadline:
            if mode == "trivial":
                errors += call("GET", "/ping").status_code != 200
                continue
            if task is None:
                response = call("GET", "/api/v1/projects/1/next")
                if response.status_code != 200:
                    errors += response.status_code != 204
                    break
                task = response.json()["task"]
            if mode == "two_calls":
                response = call("POST", f"/api/v1/tasks/{task['id']}/annotations", json=answer)
                task = None
            else:
                response = call("POST", f"/api/v1/tasks/{task['id']}/annotations?next=true", json=answer)
                served = response.json().get("next") if response.status_code == 201 else None
                task = served and served["task"]
            if response.status_code == 201:
                submitted += 1
            else:
                errors += 1
                task = None
    return {"ms": ms, "submitted": submitted, "errors": errors}


if __name__ == "__main__":
    main()
