"""A real OpenID provider for the tests: node-oidc-provider from npm, run by the machine's `node`.

The npm package is installed once into a cache folder (LABELWISE_TEST_NODE_CACHE, default
~/.cache/labelwise-test-node) and reused; without node or npm, or when the install fails, the tests that
need the provider are skipped with the reason. People are added while it runs (`add_account`) and each test
registers its own client (dynamic client registration) with its own redirect URI.
"""

import fcntl
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

PACKAGE = "oidc-provider@9.13.3"  # 9.x runs on Node 20 (it prints a warning that it prefers 22)
SCRIPT = Path(__file__).with_name("provider.mjs")
CACHE = Path(os.environ.get("LABELWISE_TEST_NODE_CACHE", Path.home() / ".cache" / "labelwise-test-node"))


class OidcProvider:
    def __init__(self, workdir: Path, accounts_file: Path) -> None:
        self.workdir = workdir
        self.accounts_file = accounts_file
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        # localhost, not 127.0.0.1 like the labelwise server: another site, as a real provider is.
        self.issuer = f"http://localhost:{self.port}"
        self._process: subprocess.Popen | None = None
        self._log = workdir / "provider.log"

    def start(self) -> "OidcProvider":
        env = {**os.environ, "OIDC_ISSUER": self.issuer, "OIDC_PORT": str(self.port),
               "OIDC_ACCOUNTS": str(self.accounts_file)}
        self._process = subprocess.Popen(["node", "provider.mjs"], cwd=self.workdir, env=env,
                                         stdout=self._log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the OpenID provider exited: {self._log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"the OpenID provider did not start: {self._log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None

    def add_account(self, login: str, *, password: str = "secret", **claims) -> None:
        accounts = json.loads(self.accounts_file.read_text())
        accounts[login] = {"password": password, "claims": claims}
        self.accounts_file.write_text(json.dumps(accounts))

    def register_client(self, base_url: str, *, public: bool = False) -> tuple[str, str | None]:
        """A new client for the labelwise server at `base_url`: (client_id, client_secret)."""
        body = {
            "redirect_uris": [f"{base_url}/api/v1/auth/sso/callback"],
            "post_logout_redirect_uris": [f"{base_url}/app/login"],
            "response_types": ["code"],
            "grant_types": ["authorization_code"],
            "token_endpoint_auth_method": "none" if public else "client_secret_basic",
        }
        response = httpx.post(f"{self.issuer}/reg", json=body, timeout=10)
        response.raise_for_status()
        client = response.json()
        return client["client_id"], client.get("client_secret")


def install() -> Path:
    """The folder with oidc-provider installed, installing it the first time; skips the test if it cannot."""
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("the single sign-on tests need node and npm to run a real OpenID provider (oidc-provider)")
    target = CACHE / PACKAGE.replace("@", "-")
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "node_modules" / "oidc-provider" / "package.json").exists():
            staging = CACHE / f".staging-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            (staging / "package.json").write_text('{"private": true}')
            result = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", PACKAGE],
                                    cwd=staging, capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                shutil.rmtree(staging, ignore_errors=True)
                pytest.skip(f"npm could not install {PACKAGE} for the single sign-on tests: {result.stderr[-500:]}")
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
    return target
