"""The one notion of 'now' (naive UTC, as stored in every DateTime column), and parsing of user-given times."""

from datetime import UTC, datetime

from labelwise.errors import Invalid


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def iso_utc(value: datetime) -> str:
    """A stored (naive UTC) time as RFC 3339 text with its offset, as every answer and export writes times."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")


def parse_when(value: str | datetime | None, field: str) -> datetime | None:
    """An ISO 8601 date or time from a filter, as naive UTC; None when empty; Invalid naming `field`."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise Invalid(f"'{field}' must be an ISO 8601 date or time (2024-05-01 or 2024-05-01T12:00:00Z), "
                          f"not '{value}'", field=field) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed
