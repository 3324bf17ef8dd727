"""The Python SDK: `Client` over the HTTP API."""

from labelwise.sdk._client import Client
from labelwise.sdk._errors import ApiError

__all__ = ["ApiError", "Client"]
