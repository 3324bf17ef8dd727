"""Builders shared by the format tests: export records as `labelwise.core.dataio.exporting` makes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labelwise.schema import LabelSchema, validate_result

DATA = Path(__file__).resolve().parent.parent / "data" / "formats"


def record(task_id: int, data: dict, *results: dict, consensus: dict | None = None,
           confidence: float | None = None, external_id: str | None = None, **extra: Any) -> dict:
    annotations = [
        {"id": task_id * 10 + n, "user": f"user{n}", "status": "submitted", "result": result, "lead_time_ms": 1500,
         "revision": 1, "created_at": "2024-01-02T03:04:05", "updated_at": "2024-01-02T03:04:05"}
        for n, result in enumerate(results, start=1)
    ]
    return {"id": task_id, "external_id": external_id, "data": data, "meta": {}, "annotations": annotations,
            "consensus": consensus, "confidence": confidence, **extra}


def normal(schema: LabelSchema, data: dict, result: dict) -> dict:
    """The result as validation normalises it (defaults filled in), for comparing round trips."""
    return validate_result(schema, data, result)
