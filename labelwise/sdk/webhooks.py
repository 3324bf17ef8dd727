"""Checking a webhook delivery on the receiving side: `verify_signature` (raises) and `parse_webhook` (returns the event).

labelwise signs `"<t>.<raw body>"` with HMAC-SHA256 and the webhook's secret and sends
`Labelwise-Signature: t=<unix seconds>,v1=<hex digest>`. Verify the raw bytes as received, before any
JSON parsing. A timestamp outside `tolerance` seconds of now is refused, so a captured delivery cannot
be replayed later; inside the window, drop repeats by the event's `id` (retries and redeliveries of an
event carry the same one).
"""

import hashlib
import hmac
import json
import time
from typing import Any

SIGNATURE_HEADER = "Labelwise-Signature"
DEFAULT_TOLERANCE = 300


class WebhookSignatureError(ValueError):
    """The delivery is not authentic or not fresh; answer it with 400 and do not act on it."""


def verify_signature(body: bytes | str, header: str | None, secret: str, *, tolerance: float = DEFAULT_TOLERANCE,
                     now: float | None = None) -> int:
    """Check the `Labelwise-Signature` header of `body`; returns its timestamp, or raises `WebhookSignatureError`."""
    if not header:
        raise WebhookSignatureError(f"no {SIGNATURE_HEADER} header")
    raw = body.encode() if isinstance(body, str) else bytes(body)
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit():
        raise WebhookSignatureError(f"the {SIGNATURE_HEADER} header has no timestamp (t=...)")
    if not signatures:
        raise WebhookSignatureError(f"the {SIGNATURE_HEADER} header has no v1 signature")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise WebhookSignatureError("the signature does not match the body and secret")
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > tolerance:
        raise WebhookSignatureError(f"the timestamp is {abs(age):.0f} s {'old' if age > 0 else 'in the future'}, "
                                    f"outside the {tolerance:.0f} s tolerance: a replayed or delayed delivery")
    return int(timestamp)


def parse_webhook(body: bytes | str, header: str | None, secret: str, *,
                  tolerance: float = DEFAULT_TOLERANCE) -> dict[str, Any]:
    """The event of a verified delivery: {"id", "event", "created_at", "project_id", "data"}."""
    verify_signature(body, header, secret, tolerance=tolerance)
    return json.loads(body)
