"""Property-based requests from the OpenAPI document (schemathesis, stateless, bounded) against a live server:
no request, however odd, may make it answer 5xx.

The caller is an administrator with a project and tasks, so most operations get past authentication; the
routes that could revoke that caller's own credentials (/auth, /users) are left out.
"""

import shutil
import subprocess

import pytest

from labelwise.settings import Settings
from tests.factories import add_tasks, make_project, make_user, texts

pytestmark = [pytest.mark.server, pytest.mark.timeout(900)]


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, login_free_failures=10**6,
                    login_address_free_failures=10**6)


def test_no_generated_request_gets_a_server_error(session, live_server, tmp_path):
    st = shutil.which("st") or shutil.which("schemathesis")
    if st is None:
        pytest.skip("schemathesis is not installed (it is in the test extra)")
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin.user)
    add_tasks(session, admin.user, project, texts(5))
    done = subprocess.run(
        [st, "run", f"{live_server.url}/api/v1/openapi.json", "-H", f"Authorization: Bearer {admin.token}",
         "--checks", "not_a_server_error", "--phases", "examples,fuzzing", "--max-examples", "5", "--seed", "1",
         "--request-timeout", "30", "--exclude-path-regex", "/auth/|/users", "--no-color"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "generated" in done.stdout
