"""A real HTTP receiver for webhook tests: records every POST, answers 500 to the first `fail_first`, and can be\nslow (`delay` seconds before each answer)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, *, fail_first: int = 0, fail_status: int = 500, delay: float = 0) -> None:
        self.fail_first = fail_first
        self.delay = delay
        self.fail_status = fail_status
        self.received: list[dict] = []  # every request, failed ones too: {"headers", "body", "status"}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(receiver.delay)
                with receiver._lock:
                    status = receiver.fail_status if len(receiver.received) < receiver.fail_first else 200
                    receiver.received.append({"headers": dict(self.headers), "body": body, "status": status,
                                              "path": self.path})
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"no" if status >= 400 else b"ok")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def delivered(self) -> list[dict]:
        """The events of the requests answered 200, parsed."""
        return [json.loads(r["body"]) for r in self.received if r["status"] == 200]

    def wait_for(self, predicate, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; received {[json.loads(r['body'])['event'] for r in self.received]}")
            time.sleep(0.02)


def closed_port_url() -> str:
    """A URL on which nothing listens (a receiver that is down)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
