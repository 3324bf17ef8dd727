"""Sending the webhook outbox: claim a due delivery, POST it signed, record the outcome, retry with backoff.

A `WebhookDispatcher` runs beside the job runner, in every server process (when
`run_jobs_in_server`) and in every `labelwise worker`, with `webhook_concurrency` sending threads. Claiming a delivery is one conditional UPDATE
(with `FOR UPDATE SKIP LOCKED` on PostgreSQL) that counts the attempt and moves `next_attempt_at` a
lease ahead, so any number of dispatchers can run, and a delivery whose dispatcher died mid-send is
simply due again when its lease runs out: pending deliveries resume after a restart, at least once.

Each attempt signs `"<timestamp>.<body>"` with HMAC-SHA256 and the webhook's secret, sent as
`Labelwise-Signature: t=<unix seconds>,v1=<hex>` (as Stripe does); `labelwise.sdk.verify_signature`
checks it. A 2xx answer delivers; anything else (another status, a timeout, a refused connection, a
redirect, which is not followed) waits `backoff(attempt)` and tries again, until
`webhook_max_attempts`, when the delivery is `failed` (redeliver it from the API, CLI or UI).
"""

import hashlib
import hmac
import ipaddress
import logging
import os
import random
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from labelwise import __version__
from labelwise.core.platform.clock import utcnow
from labelwise.core.webhooks.hooks import is_blocked_address, is_blocked_host
from labelwise.store.models import Webhook, WebhookDelivery

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Labelwise-Signature"
MAX_ERROR = 1000


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1, 2, ...): `base` doubled per attempt, at
    most `cap`, then a random half of it dropped ("equal jitter") so retries of many deliveries spread out."""
    delay = min(cap, base * 2 ** (attempt - 1))
    return delay / 2 + (rng or random).random() * delay / 2


@dataclass(frozen=True)
class Claimed:
    id: int
    attempt: int
    event: str
    event_id: str
    body: str
    url: str
    secret: str


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    latency_ms: int
    error: str | None
    final: bool = False  # no point retrying (a refused address)


class WebhookDispatcher:
    """Claims due deliveries and sends them; `start()` runs it in a daemon thread, `deliver_due()` inline."""

    def __init__(self, factory: sessionmaker[Session], *, settings: Any, name: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.factory = factory
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.sqlite = factory.kw["bind"].dialect.name == "sqlite"
        self.lease = timedelta(seconds=settings.webhook_timeout_seconds + 30)
        self._http = httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False,
                                  transport=transport, headers={"User-Agent": f"labelwise-webhooks/{__version__}"})
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- the loop ---------------------------------------------------------------------------------------

    def start(self) -> list[threading.Thread]:
        """`webhook_concurrency` sending threads, so one slow receiver does not hold up the others."""
        self._threads = [threading.Thread(target=self.run_forever, name=f"labelwise-webhooks-{self.name}-{n}",
                                          daemon=True) for n in range(self.settings.webhook_concurrency)]
        for thread in self._threads:
            thread.start()
        return self._threads

    def stop(self, timeout: float = 10) -> None:
        self.request_stop()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._http.close()

    def request_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.run_once()
            except Exception:  # a lost database must not kill the dispatcher; try again after a pause
                log.exception("webhook dispatcher %s: claiming failed", self.name)
                sent = 0
            if not sent and not self._stop.is_set():
                self._wake.wait(self.settings.webhook_poll_seconds)
                self._wake.clear()

    def run_once(self, limit: int = 20) -> int:
        """Send up to `limit` due deliveries; how many were attempted."""
        sent = 0
        while sent < limit and not self._stop.is_set():
            claimed = self.claim()
            if claimed is None:
                break
            self.record(claimed, self.send(claimed))
            sent += 1
        return sent

    def deliver_due(self) -> int:
        """Attempt every delivery due now (once each), for `--burst` runs and tests."""
        total = 0
        while sent := self.run_once():
            total += sent
        return total

    # -- one delivery -----------------------------------------------------------------------------------

    def claim(self) -> Claimed | None:
        now = utcnow()
        due = (WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        pick = (select(WebhookDelivery.id).join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(*due, Webhook.active.is_(True)).order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(1))
        values = {"attempts": WebhookDelivery.attempts + 1, "next_attempt_at": now + self.lease,
                  "last_attempt_at": now}
        with self.factory() as session:
            if self.sqlite:
                if session.scalar(pick) is None:  # a read takes no write lock: idle polling never blocks writers
                    return None
                delivery_id = session.scalar(update(WebhookDelivery)
                                             .where(WebhookDelivery.id == pick.scalar_subquery(), *due)
                                             .values(**values).returning(WebhookDelivery.id))
            else:
                delivery_id = session.scalar(pick.with_for_update(skip_locked=True, of=WebhookDelivery))
                if delivery_id is not None:
                    session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values))
            session.commit()
            if delivery_id is None:
                return None
            row = session.execute(
                select(WebhookDelivery.attempts, WebhookDelivery.event, WebhookDelivery.event_id, WebhookDelivery.body,
                       Webhook.url, Webhook.secret)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id).where(WebhookDelivery.id == delivery_id)
            ).one()
        return Claimed(delivery_id, *row)

    def send(self, claimed: Claimed) -> Outcome:
        started = time.monotonic()
        body = claimed.body.encode()
        refused = None if self.settings.webhook_allow_link_local else refused_address(claimed.url)
        if refused:
            return Outcome(False, None, 0, refused, final=True)
        headers = {"Content-Type": "application/json", "Labelwise-Event": claimed.event,
                   "Labelwise-Event-Id": claimed.event_id, "Labelwise-Delivery": str(claimed.id),
                   "Labelwise-Attempt": str(claimed.attempt), SIGNATURE_HEADER: sign(claimed.secret, int(time.time()), body)}
        try:
            response = self._http.post(claimed.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Outcome(False, None, _ms(started), f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
        latency = _ms(started)
        if 200 <= response.status_code < 300:
            return Outcome(True, response.status_code, latency, None)
        answer = response.text.strip()[:300]
        return Outcome(False, response.status_code, latency,
                       f"the receiver answered HTTP {response.status_code}" + (f": {answer}" if answer else ""))

    def record(self, claimed: Claimed, outcome: Outcome) -> str:
        """Store the attempt's outcome; returns the delivery's new status."""
        now = utcnow()
        values: dict[str, Any] = {"last_status_code": outcome.status_code, "last_latency_ms": outcome.latency_ms,
                                  "last_error": outcome.error}
        if outcome.ok:
            values.update(status="delivered", delivered_at=now)
        elif outcome.final or claimed.attempt >= self.settings.webhook_max_attempts:
            values.update(status="failed")
        else:
            wait = backoff(claimed.attempt, base=self.settings.webhook_backoff_seconds,
                           cap=self.settings.webhook_backoff_max_seconds)
            values.update(next_attempt_at=now + timedelta(seconds=wait))
        with self.factory() as session:
            # Only while the claim is ours: after a lost lease another dispatcher owns the next attempt.
            session.execute(update(WebhookDelivery)
                            .where(WebhookDelivery.id == claimed.id, WebhookDelivery.status == "pending",
                                   WebhookDelivery.attempts == claimed.attempt).values(**values))
            session.commit()
        status = values.get("status", "pending")
        if not outcome.ok:
            log.info("webhook delivery %s attempt %s: %s (%s)", claimed.id, claimed.attempt, outcome.error, status)
        return status


def refused_address(url: str) -> str | None:
    """Why the URL may not be sent to (its host is or resolves to a link-local address), or None."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if is_blocked_host(host):
        return f"refused: {host} is a link-local or metadata address"
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except OSError:
        return None  # the HTTP client reports the failed lookup
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if is_blocked_address(address):
            return f"refused: {host} resolves to the link-local address {address}"
    return None


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
