"""Webhooks: per-project subscriptions (hooks), and sending their outbox rows (delivery)."""
