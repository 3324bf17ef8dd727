"""Property-based requests from the OpenAPI document (schemathesis) against a live server, on each database:
no request, however odd, may make it answer 5xx, a status its operation does not document, or a body, type
or header other than documented.

Stateless: each operation alone. Stateful: sequences that follow the document's links (create a project,
import, take the next task, annotate, review, snapshot; and the links schemathesis infers), bounded by time.
The longer stateful run is behind `-m schemathesis_long`.

The caller is an administrator with a project and tasks, so most operations get past authentication; the
routes that could revoke that caller's own credentials (/auth, /users) are left out.
"""

import re
import shutil
import subprocess

import pytest

from labelwise.settings import Settings
from tests.factories import add_tasks, make_project, make_user, texts

pytestmark = [pytest.mark.server, pytest.mark.timeout(900)]
# The operations of the labeling workflow's links (labelwise/api/contract.py LINKS), for the bounded run.
WORKFLOW = r"/projects$|/projects/\{project_id\}(/import|/next|/tasks|/snapshots)?$|/tasks/|/annotations/|/snapshots/"
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance")


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, login_free_failures=10**6,
                    login_address_free_failures=10**6)


@pytest.fixture
def target(session, live_server) -> tuple[str, str]:
    """(OpenAPI URL, administrator token) of a live server with a project of five tasks."""
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin.user)
    add_tasks(session, admin.user, project, texts(5))
    return f"{live_server.url}/api/v1/openapi.json", admin.token


def schemathesis(target: tuple[str, str], cwd, *options: str) -> str:
    """Run the schemathesis CLI; fail with its report unless it found nothing. Returns its output."""
    st = shutil.which("st") or shutil.which("schemathesis")
    if st is None:
        pytest.skip("schemathesis is not installed (it is in the test extra)")
    url, token = target
    done = subprocess.run(
        [st, "run", url, "-H", f"Authorization: Bearer {token}", "--checks", CHECKS, "--seed", "1",
         "--request-timeout", "30", "--exclude-path-regex", "/auth/|/users", "--no-color", *options],
        capture_output=True, text=True, cwd=cwd,
    )
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    cases = re.search(r"(\d+) generated", done.stdout)
    assert cases and int(cases.group(1)) > 0, done.stdout[-3000:]
    print(f"schemathesis: {cases.group(0)} test cases")  # the figures, for `pytest -s`
    return done.stdout


def test_no_generated_request_breaks_the_contract(target, tmp_path):
    schemathesis(target, tmp_path, "--phases", "examples,fuzzing", "--max-examples", "5")


def test_sequences_along_the_links_keep_the_contract(target, tmp_path):
    # Without DELETE: a sequence that deletes the one project would leave the rest nothing to follow.
    out = schemathesis(target, tmp_path, "--phases", "stateful", "--max-examples", "5", "--max-time", "20",
                       "--include-path-regex", WORKFLOW, "--exclude-method", "DELETE")
    scenarios = re.search(r"Scenarios:\s+(\d+)", out)
    assert scenarios and int(scenarios.group(1)) > 0, out[-3000:]
    links = re.search(r"API Links:.*", out)
    print(f"schemathesis: {scenarios.group(0)}, {links.group(0) if links else ''}")


@pytest.mark.schemathesis_long
def test_long_stateful_run_keeps_the_contract(target, tmp_path):
    schemathesis(target, tmp_path, "--phases", "stateful", "--max-examples", "50", "--max-time", "300")
