"""Guards that run before routing and authentication: a request-body size limit, and a same-origin check for
browser (cookie) writes. Both are plain ASGI middleware, so a refused request costs neither a body read nor
a database query."""

import json
from urllib.parse import urlsplit

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from labelwise.api.errors import error_body

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SAME_SITE = frozenset({"same-origin", "none"})  # `none`: typed in the address bar, a bookmark


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413: at once from Content-Length, else while the body
    streams in (chunked). The upload routes in `exempt` (path templates such as `/projects/{project_id}/media`)
    read their bodies themselves under their own, larger limits and are let through."""

    def __init__(self, app: ASGIApp, *, limit: int, exempt: list[str]) -> None:
        self.app = app
        self.limit = limit
        self._exempt = [compile_path(path)[0] for path in exempt]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._streams(scope):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and not declared.isdigit():
            await _refuse(send, 400, f"Content-Length must be a number of bytes, not '{declared[:40]}'")
            return
        if declared is not None and int(declared) > self.limit:
            await _refuse(send, 413, self._message())
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:  # the app answered the aborted read (e.g. 400); ours says why
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            pass
        if exceeded and not started:
            await _refuse(send, 413, self._message())

    def _streams(self, scope: Scope) -> bool:
        return any(pattern.match(scope["path"]) for pattern in self._exempt)

    def _message(self) -> str:
        return (f"the request body is over the {self.limit} byte limit (LABELWISE_MAX_BODY_BYTES); "
                "send imports and media to their upload routes")


class SameOrigin:
    """Refuse unsafe requests a browser sent from another site (403), unless they carry a bearer token.

    A cookie rides along with a cross-site form post; SameSite=Strict stops that in current browsers and
    this check is the second wall: `Sec-Fetch-Site` when the browser sends it, else `Origin` against the
    request's own host (or a configured trusted origin). Requests with neither header are not from a
    browser page and pass; without a cookie or token they are unauthenticated anyway.
    """

    def __init__(self, app: ASGIApp, *, trusted_origins: list[str]) -> None:
        self.app = app
        self.trusted = {origin.rstrip("/").lower() for origin in trusted_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS and self._cross_site(scope):
            await _refuse(send, 403, "cross-site request refused: this write came from another site's page "
                                     "(Origin / Sec-Fetch-Site); scripts should send 'Authorization: Bearer "
                                     "<token>', and a proxy's public address belongs in LABELWISE_TRUSTED_ORIGINS")
            return
        await self.app(scope, receive, send)

    def _cross_site(self, scope: Scope) -> bool:
        if _header(scope, b"authorization"):
            return False
        origin = _header(scope, b"origin")
        fetch_site = _header(scope, b"sec-fetch-site")
        if origin is not None and origin.rstrip("/").lower() in self.trusted:
            return False
        if fetch_site is not None:
            return fetch_site.lower() not in _SAME_SITE
        if origin is None:
            return False
        if origin == "null":  # sandboxed frames, file: pages
            return True
        host = _header(scope, b"host") or ""
        return urlsplit(origin).netloc.lower() != host.lower()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps(error_body(message)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
