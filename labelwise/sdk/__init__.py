"""The Python SDK: `Client` over the HTTP API, and `verify_signature` for webhook receivers."""

from labelwise.sdk._client import Client
from labelwise.sdk._errors import ApiError
from labelwise.sdk.webhooks import (
    WebhookSignatureError,
    parse_webhook,
    verify_signature,
)

__all__ = ["ApiError", "Client", "WebhookSignatureError", "parse_webhook", "verify_signature"]
