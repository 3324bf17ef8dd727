"""The services, one sub-package per domain; each takes a Session and owns its transaction (docs/architecture.md)."""
