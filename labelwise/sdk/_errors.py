"""The one error the SDK raises for a failed call."""

from typing import Any


class ApiError(Exception):
    """The server refused a call; `status`, `message`, `field` and `body` say why."""

    def __init__(self, status: int, message: str, *, field: str | None = None, body: Any = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.field = field
        self.body = body
