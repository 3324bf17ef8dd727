"""The text forms of a `datetime` control's answers (ISO 8601, the prefix of `2024-05-01T13:30:00`)."""

from __future__ import annotations

import re
from datetime import datetime

__all__ = ["EXAMPLES", "is_valid"]

EXAMPLES = {"datetime": "2024-05-01T13:30", "date": "2024-05-01", "time": "13:30", "month": "2024-05", "year": "2024"}
_PATTERNS = {
    "datetime": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "time": re.compile(r"\d{2}:\d{2}(:\d{2})?"),
    "month": re.compile(r"\d{4}-\d{2}"),
    "year": re.compile(r"\d{4}"),
}


def is_valid(kind: str, text: object) -> bool:
    """Whether `text` is a real date/time of that form (2024-02-30 is not)."""
    if not isinstance(text, str) or not _PATTERNS[kind].fullmatch(text):
        return False
    probe = {"datetime": text[:16], "date": text, "time": f"2000-01-01T{text[:5]}", "month": f"{text}-01",
             "year": f"{text}-01-01"}[kind]
    try:
        datetime.fromisoformat(probe)
    except ValueError:
        return False
    return True
