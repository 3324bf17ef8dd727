"""Every runtime import is declared: the built wheel, installed without extras in a fresh virtualenv, serves every
route without a server error, and the optional features answer a 4xx that names their extra.

Slow (it installs the dependencies from PyPI) and marked `slow_install`; skipped without network.
While developing, LABELWISE_TEST_REUSE_VENV=<a venv an earlier run filled> reinstalls only the wheel.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
pytestmark = [pytest.mark.slow_install, pytest.mark.timeout(1800)]

SCHEMA = {"objects": {"text": {"type": "text"}},
          "controls": {"label": {"type": "choices", "object": "text", "options": ["a", "b"]}}}
LS_CONFIG = ('<View><Text name="text" value="$text"/>'
             '<Choices name="label" toName="text"><Choice value="a"/><Choice value="b"/></Choices></View>')


def _registry_reachable(work: Path) -> bool:
    """Whether pip can fetch from the package index (a tiny download by package name)."""
    try:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-cache-dir",
                               "-d", str(work / "probe"), "six"], capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def _run(*args: str, cwd: Path, env: dict) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict, Path]:
    work = tmp_path_factory.mktemp("install")
    if not _registry_reachable(work):
        pytest.skip("no network: installing the wheel's dependencies needs the package index, which pip cannot reach")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "LABELWISE_", "VIRTUAL"))}
    source = work / "src"  # a copy, so the build leaves no build/ or egg-info in the checkout
    shutil.copytree(REPO / "labelwise", source / "labelwise", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source),
         cwd=work, env=env)
    wheel = next((work / "dist").glob("labelwise-*.whl"))
    reuse = os.environ.get("LABELWISE_TEST_REUSE_VENV")
    if reuse:  # a development shortcut: a venv a previous run filled; only the wheel is reinstalled
        bin_dir = Path(reuse) / "bin"
        _run(str(bin_dir / "pip"), "install", "-q", "--force-reinstall", "--no-deps", str(wheel), cwd=work, env=env)
    else:
        _run(sys.executable, "-m", "venv", str(work / "venv"), cwd=work, env=env)
        bin_dir = work / "venv" / "bin"
        _run(str(bin_dir / "pip"), "install", "-q", str(wheel), cwd=work, env=env)
    env = {**env, "LABELWISE_DATA_DIR": str(work / "data")}
    return bin_dir, env, source


@pytest.fixture(scope="module")
def server(installed, tmp_path_factory):
    bin_dir, env, _ = installed
    work = tmp_path_factory.mktemp("serve")  # not the repository: `labelwise` must come from the wheel
    _run(str(bin_dir / "labelwise"), "user", "create", "admin", "--password", PASSWORD, "--admin", cwd=work, env=env)
    token = _run(str(bin_dir / "labelwise"), "user", "token", "admin", cwd=work, env=env).strip()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([str(bin_dir / "labelwise"), "serve", "--port", str(port)], cwd=work, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240  # a loaded CI machine imports numpy, scipy and sklearn slowly
    while True:
        try:
            httpx.get(f"{url}/api/v1/health", timeout=2)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the installed server did not start:\n{process.stdout.read()}")
            time.sleep(0.3)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        yield client
    process.terminate()
    process.wait(timeout=20)


def test_the_wheel_imports_only_what_it_declares(installed):
    bin_dir, env, source = installed
    modules = sorted(  # not __main__ (it runs the CLI) nor the migration scripts (alembic runs those)
        ".".join(path.relative_to(source).with_suffix("").parts).removesuffix(".__init__")
        for path in (source / "labelwise").rglob("*.py")
        if path.name != "__main__.py" and "migrations" not in path.parts
    )
    optional = {"labelwise.storage.s3"}  # imports boto3 only when built, which the s3 extra provides
    script = ("import importlib, sys\nfailed = []\n"
              f"for name in {[m for m in modules if m not in optional]!r}:\n"
              "    try:\n        importlib.import_module(name)\n"
              "    except Exception as exc:\n        failed.append(f'{name}: {exc!r}')\n"
              "print('\\n'.join(failed))\n")
    assert _run(str(bin_dir / "python"), "-c", script, cwd=bin_dir, env=env).strip() == ""


def test_label_studio_configs_convert_with_the_declared_xml_parser(server):
    response = server.post("/api/v1/projects/from-labelstudio", json={"name": "ls", "label_config_xml": LS_CONFIG})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("fmt", ["parquet", "spacy"])
def test_exports_needing_the_formats_extra_name_it(server, fmt):
    project = server.post("/api/v1/projects", json={"name": f"x-{fmt}", "label_schema": SCHEMA}).json()
    response = server.get(f"/api/v1/projects/{project['id']}/export", params={"format": fmt})
    assert 400 <= response.status_code < 500, response.text
    assert "labelwise[formats]" in response.json()["detail"]


def test_a_parquet_import_without_the_formats_extra_names_it(server):
    project = server.post("/api/v1/projects", json={"name": "pq", "label_schema": SCHEMA}).json()
    response = server.post(f"/api/v1/projects/{project['id']}/import", params={"format": "parquet"},
                           content=b"PAR1", headers={"content-type": "application/octet-stream"})
    assert 400 <= response.status_code < 500, response.text
    assert "labelwise[formats]" in json.dumps(response.json())


def test_every_route_answers_without_a_server_error(server):
    """Last in the module: it deletes and revokes as it goes."""
    project = server.post("/api/v1/projects", json={"name": "p", "label_schema": SCHEMA})
    assert project.status_code == 201, project.text
    pid = project.json()["id"]
    imported = server.post(f"/api/v1/projects/{pid}/import", content=b'{"text": "hello"}\n',
                           headers={"content-type": "application/jsonl"})
    assert imported.status_code == 201, imported.text
    spec = server.get("/api/v1/openapi.json").json()
    calls = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete", "head"):
                calls.append((method.upper(), path, operation))
    calls.sort(key=lambda call: (call[0] == "DELETE", "/auth/" in call[1], call[1]))  # destroy last
    failures = []
    for method, path, operation in calls:
        concrete = re.sub(r"\{[^}]*\}", lambda m: "1/x.png" if ":path" in m.group(0) else "1", path)
        concrete = concrete.replace("{project_id}", str(pid))
        body = operation.get("requestBody", {}).get("content", {})
        kwargs = {"json": {}} if "application/json" in body else {}
        response = server.request(method, concrete, **kwargs)
        if response.status_code >= 500:
            failures.append(f"{method} {path} -> {response.status_code}: {response.text[:300]}")
    assert failures == [], "\n".join(failures)
    assert len(calls) > 40
