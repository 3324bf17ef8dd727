"""`labelwise.sdk.verify_signature`: what a receiver runs on each delivery, against the server's own signing."""

import time

import pytest

from labelwise.core.webhooks.delivery import sign
from labelwise.sdk import WebhookSignatureError, parse_webhook, verify_signature

SECRET = "whsec_receiver_side_secret"
BODY = b'{"id":"evt_1","event":"task.completed","project_id":1,"data":{"task_id":7}}'


def test_a_fresh_signed_body_verifies_and_parses():
    now = int(time.time())
    header = sign(SECRET, now, BODY)
    assert verify_signature(BODY, header, SECRET) == now
    assert verify_signature(BODY.decode(), header, SECRET) == now
    assert parse_webhook(BODY, header, SECRET)["data"] == {"task_id": 7}


@pytest.mark.parametrize("body, header, message", [
    (BODY + b" ", None, "does not match"),  # the body was changed
    (BODY, "t=__NOW__,v1=" + "0" * 64, "does not match"),  # a forged signature
    (BODY, "", "no Labelwise-Signature header"),
    (BODY, "v1=abc", "no timestamp"),
    (BODY, "t=__NOW__", "no v1 signature"),
])
def test_tampered_or_malformed_deliveries_are_refused(body, header, message):
    now = int(time.time())
    header = sign(SECRET, now, BODY) if header is None else header.replace("__NOW__", str(now))
    with pytest.raises(WebhookSignatureError, match=message):
        verify_signature(body, header, SECRET)


def test_the_wrong_secret_is_refused():
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(BODY, sign(SECRET, int(time.time()), BODY), "whsec_someone_else_entirely")


def test_a_replayed_delivery_with_an_old_timestamp_is_refused():
    captured = sign(SECRET, int(time.time()) - 301, BODY)  # a genuine signature, captured five minutes ago
    with pytest.raises(WebhookSignatureError, match="old, outside the 300 s tolerance"):
        verify_signature(BODY, captured, SECRET)
    assert verify_signature(BODY, captured, SECRET, tolerance=600)  # a wider window takes it
    future = sign(SECRET, int(time.time()) + 1000, BODY)
    with pytest.raises(WebhookSignatureError, match="in the future"):
        verify_signature(BODY, future, SECRET)


def test_any_matching_v1_signature_is_enough_while_rotating_secrets():
    now = int(time.time())
    old = sign("whsec_the_old_secret_value", now, BODY).split("v1=")[1]
    header = f"{sign(SECRET, now, BODY)},v1={old}"
    assert verify_signature(BODY, header, SECRET) == now
    assert verify_signature(BODY, header, "whsec_the_old_secret_value") == now
