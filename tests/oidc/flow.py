"""Drive a sign-in the way a browser would, with httpx: follow redirects across labelwise and the provider,
fill in the provider's login and consent forms."""

import re
from urllib.parse import urljoin

import httpx

CALLBACK = "/api/v1/auth/sso/callback"


def browser(server_url: str) -> httpx.Client:
    return httpx.Client(base_url=server_url, timeout=15)


def to_callback(client: httpx.Client, login: str, *, password: str = "secret", next_path: str | None = None) -> str:
    """Start at labelwise, sign in and consent at the provider; stop at the URL it sends the browser back to."""
    response = client.get("/api/v1/auth/sso/login", params={"next": next_path} if next_path else None)
    while True:
        if response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            if CALLBACK in location:
                return location
            response = client.get(location)
            continue
        assert response.status_code == 200, response.text
        if 'name="login"' in response.text:
            response = submit(client, response, {"login": login, "password": password})
        elif ">Allow<" in response.text:
            response = submit(client, response, {})
        else:
            raise AssertionError(f"unexpected page at {response.url}: {response.text[:500]}")


def sign_in(client: httpx.Client, login: str, **kwargs) -> httpx.Response:
    """The whole flow, ending where labelwise sends the browser after the callback."""
    return client.get(to_callback(client, login, **kwargs), follow_redirects=True)


def submit(client: httpx.Client, page: httpx.Response, data: dict) -> httpx.Response:
    """Post the page's first form with its hidden fields and `data`."""
    form = re.search(r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", page.text, re.S)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    return client.post(urljoin(str(page.url), form.group(1)), data={**hidden, **data})


def last_error(client: httpx.Client) -> str | None:
    return client.get("/api/v1/auth/sso").json()["last_error"]
